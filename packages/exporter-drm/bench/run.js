// Host side of the flip benchmark: boots the lab once, runs bench/flip.js
// (ours, then modetest, same boot), writes the results on the host.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBenchResult } from '@dmabuf/core/testing';

const here = dirname(fileURLToPath(import.meta.url));
const lab = join(here, '..', 'node_modules', '@dmabuf', 'lab', 'bin', 'dmabuf-lab.js');
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
const child = spawn(process.execPath, [lab, 'run', '--', process.execPath, join(here, 'flip.js')], {
  stdio: ['ignore', 'pipe', 'inherit'],
  cwd: join(here, '..'),
});
let out = '';
child.stdout.on('data', (d) => {
  out += d;
  process.stdout.write(d);
});
const code = await new Promise((r) => child.on('exit', r));
const line = out.split('\n').find((l) => l.startsWith('RESULT '));
if (code !== 0 || !line) {
  console.error(`bench: the lab run failed (exit ${code})`);
  process.exit(1);
}
const r = JSON.parse(line.slice(7));
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
