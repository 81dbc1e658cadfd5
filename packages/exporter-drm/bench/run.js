// Host side of the flip benchmark: boots the lab once, runs bench/flip.js
// (ours, then modetest, same boot), writes the results on the host.
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
const extra = {
  modetestArgs: r.modetest.args,
  oursAtomicFps: Number(r.atomic.fps.toFixed(2)),
  cLoopFps: Number(r.c.fps.toFixed(2)),
  cLoopCpuUsPerFlip: Number(r.c.cpuUsPerFlip.toFixed(1)),
  oursAtomicCpuUsPerFlip: Number(r.atomic.cpuUsPerFlip.toFixed(1)),
  mode: r.legacy.mode,
  modetestSameMode: String(r.legacy.sameMode),
  rounds: r.rounds,
  note: 'medians of interleaved rounds; lab: QEMU TCG, virtio-gpu (no real vblank: flips complete when the host has taken the frame)',
};
writeBenchResult({
  name: 'exporter-drm-flip-rate',
  ours: r.legacy.fps,
  baseline: r.modetest.fps,
  unit: 'flips/s',
  target: '>= 0.9',
  baselineName: 'modetest -v (legacy page flips)',
  extra,
});
writeBenchResult({
  name: 'exporter-drm-flip-cpu',
  ours: r.legacy.cpuUsPerFlip,
  baseline: r.modetest.cpuUsPerFlip,
  unit: 'µs CPU/flip',
  target: '<= 3',
  baselineName: 'modetest -v (legacy page flips)',
  extra,
});
writeBenchResult({
  name: 'exporter-drm-flip-rate-vs-c',
  ours: r.legacy.fps,
  baseline: r.c.fps,
  unit: 'flips/s',
  target: '>= 0.9',
  baselineName: 'the same flip loop in C (bench/flip-baseline.c)',
  extra,
});
