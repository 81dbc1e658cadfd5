// Host side of the flip benchmark: boots the lab once, runs bench/flip.js
// (a flip link, modetest, the JS path, the C loop: interleaved rounds, same boot), writes the results on the host.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBenchResult } from '@dmabuf/core/testing';
import { runForResult } from '@dmabuf/lab';

const here = dirname(fileURLToPath(import.meta.url));
// The C baseline, built now on the host (the guest sees the same path).
mkdirSync(join(here, 'build'), { recursive: true });
execFileSync(
  'cc',
  [
    '-O2',
    '-Wall',
    '-I/usr/include/libdrm',
    '-o',
    join(here, 'build', 'flip-baseline'),
    join(here, 'flip-baseline.c'),
  ],
  { stdio: 'inherit' },
);
const r = await runForResult({
  command: [process.execPath, join(here, 'flip.js')],
  cwd: join(here, '..'),
});
const n = (x, d = 1) => Number(x.toFixed(d));
const extra = {
  modetestArgs: r.modetest.args,
  mode: r.info.mode,
  modetestSameMode: String(r.info.sameMode),
  linkUserUsPerFlip: n(r.link.userUsPerFlip),
  linkSystemUsPerFlip: n(r.link.systemUsPerFlip),
  linkAtomicFps: n(r.linkAtomic.fps, 2),
  linkAtomicCpuUsPerFlip: n(r.linkAtomic.cpuUsPerFlip),
  linkAtomicCpuRatio: n(r.ratios.linkAtomicCpu, 3),
  // the JavaScript path (await display.flip() per flip), same boot, same rounds
  jsLegacyFps: n(r.legacy.fps, 2),
  jsLegacyCpuUsPerFlip: n(r.legacy.cpuUsPerFlip),
  jsCpuRatio: n(r.ratios.jsCpu, 3),
  jsFpsRatio: n(r.ratios.jsFps, 3),
  jsAtomicFps: n(r.atomic.fps, 2),
  jsAtomicCpuUsPerFlip: n(r.atomic.cpuUsPerFlip),
  cLoopFps: n(r.c.fps, 2),
  cLoopCpuUsPerFlip: n(r.c.cpuUsPerFlip),
  roundLinkCpuRatios: r.perRound.linkCpu.join(' '),
  roundLinkFpsRatios: r.perRound.linkFps.join(' '),
  roundJsCpuRatios: r.perRound.jsCpu.join(' '),
  rounds: r.rounds,
  order: r.order,
  note: 'ours: a flip link (cyclingSource of two framebuffers → display.port(), legacy page flips as modetest -v does; no JavaScript per flip), 600 flips after 60; js*: the JavaScript path (await display.flip()), 200 flips after 30; ratios are medians of per-round ratios, rounds interleaved with the order reversed every other round; lab: QEMU TCG, virtio-gpu (no real vblank: flips complete when the host has taken the frame, so flips/s is reported, not targeted)',
};
writeBenchResult({
  name: 'exporter-drm-flip-rate',
  ours: r.link.fps,
  baseline: r.modetest.fps,
  ratio: r.ratios.linkFps,
  unit: 'flips/s',
  target: 'reported only (QEMU)',
  baselineName: 'modetest -v (legacy page flips)',
  extra,
});
writeBenchResult({
  name: 'exporter-drm-flip-cpu',
  ours: r.link.cpuUsPerFlip,
  baseline: r.modetest.cpuUsPerFlip,
  ratio: r.ratios.linkCpu,
  unit: 'µs CPU/flip',
  target: '<= 1.3',
  baselineName: 'modetest -v (legacy page flips)',
  extra,
});
writeBenchResult({
  name: 'exporter-drm-flip-rate-vs-c',
  ours: r.link.fps,
  baseline: r.c.fps,
  ratio: r.ratios.linkFpsVsC,
  unit: 'flips/s',
  target: '>= 0.9',
  baselineName: 'the same flip loop in C (bench/flip-baseline.c)',
  extra: { ...extra, linkCpuRatioVsC: n(r.ratios.linkCpuVsC, 3) },
});
