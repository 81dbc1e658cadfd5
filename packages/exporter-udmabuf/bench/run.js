// pnpm bench: compiles the C baselines on the host, boots the lab once, runs
// bench/guest.js there (ours and the baselines in the same boot), and writes
// bench/results/exporter-udmabuf-*.json at the repo root.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBenchResult } from '@dmabuf/core/testing';
import { runForResult } from '@dmabuf/lab';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..');
const out = join(pkg, 'build', 'bench');
mkdirSync(out, { recursive: true });
// memcpy.c's timed loop is core's bench/frame-copy.h (the same as core's cpu-write baseline)
const coreBench = join(dirname(createRequire(import.meta.url).resolve('@dmabuf/core/package.json')), 'bench');
for (const prog of ['cycle', 'memcpy']) {
  execFileSync('cc', ['-O2', '-Wall', '-I', coreBench, '-o', join(out, prog), join(here, 'c', `${prog}.c`)], {
    stdio: 'inherit',
  });
}
const r = await runForResult({
  command: [process.execPath, join(here, 'guest.js'), out],
  drivers: [],
  cwd: pkg,
  // the guest's knobs (rounds, cycles, warm-up, frames), as set on the host
  env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('UDMABUF_BENCH_'))),
});
const round = (xs) => xs.map((x) => Number(x.toFixed(1))).join(' ');
const note =
  'lab: QEMU TCG (software CPU), one boot; ours/baseline are medians, ratio is the median of per-round ratios (rounds alternate ours and baseline)';
writeBenchResult({
  name: 'exporter-udmabuf-cycle',
  ours: r.cycle64k.ours,
  baseline: r.cycle64k.baseline,
  ratio: r.cycle64k.ratio,
  unit: 'µs/cycle',
  target: '<= 1.5',
  baselineName: 'C: memfd_create+ftruncate+F_ADD_SEALS+UDMABUF_CREATE+close+fstat+close',
  extra: {
    bufferBytes: 64 * 1024,
    oursRounds: round(r.cycle64k.oursRounds),
    baselineRounds: round(r.cycle64k.baselineRounds),
    sameSyscallsFromJsUs: Number(r.cycle64k.rawJs.toFixed(1)),
    ours4kUs: Number(r.cycle4k.ours.toFixed(1)),
    baseline4kUs: Number(r.cycle4k.baseline.toFixed(1)),
    ratio4k: Number(r.cycle4k.ratio.toFixed(3)),
    ours1mUs: Number(r.cycle1m.ours.toFixed(1)),
    baseline1mUs: Number(r.cycle1m.baseline.toFixed(1)),
    ratio1m: Number(r.cycle1m.ratio.toFixed(3)),
    note,
  },
});
const frameExtra = (f) => ({
  frameBytes: 1920 * 1080 * 4,
  cpuAccessPerFrame: Number(f.cpuAccess.toFixed(1)),
  cpuAccessPerFrameRatio: Number(f.cpuAccessRatio.toFixed(3)),
  cpuAccessNote:
    "buf.cpuAccess('write') per frame in the same rounds (the buffer's kept mapping, a view per scope); ours is map.access('write') on a mapping the caller keeps",
  faultsPerFrame: Number(f.faultsPerFrame.toFixed(2)),
  firstScopeUs: Math.round(f.firstScope.us),
  firstScopeFaults: f.firstScope.faults,
  oursRounds: round(f.oursRounds),
  baselineRounds: round(f.baselineRounds),
  baselineOn4kPagesMBs: Number(f.baseline4k.toFixed(1)),
  ratioVs4kPages: Number(f.ratio4k.toFixed(3)),
  guestTransparentHugepage: r.thp,
  note: `${note}; the baseline's malloc memory gets transparent huge pages where THP is 'always' (baselineOn4kPagesMBs: MADV_NOHUGEPAGE)`,
});
writeBenchResult({
  name: 'exporter-udmabuf-frame-write',
  ours: r.frame.ours,
  baseline: r.frame.baseline,
  ratio: r.frame.ratio,
  unit: 'MB/s',
  target: '>= 0.9',
  baselineName: 'C memcpy between ordinary (malloc) buffers',
  extra: { udmabuf: '4 KiB pages (default)', ...frameExtra(r.frame) },
});
writeBenchResult({
  name: 'exporter-udmabuf-frame-write-hugetlb',
  ours: r.frameHuge.ours,
  baseline: r.frameHuge.baseline,
  ratio: r.frameHuge.ratio,
  unit: 'MB/s',
  target: '>= 0.9',
  baselineName: 'C memcpy between ordinary (malloc) buffers',
  extra: { udmabuf: '2 MiB huge pages (options.hugetlb)', ...frameExtra(r.frameHuge) },
});
