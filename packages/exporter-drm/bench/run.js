// Host side of the flip benchmark: boots the lab once (virtio-gpu and vkms),
// runs bench/flip.js (a flip link, modetest -v, the C loop, the JS path:
// interleaved rounds on each display, same boot), writes the results on the host.
// vkms is the figure the target is about: its flips complete on its own 60 Hz
// vblank timer in the guest, so CPU per flip is the contenders' own; on
// virtio-gpu a flip waits for QEMU to take the picture and QEMU's work is
// charged to the flipping process, so its figures follow the host's load.
// DRM_BENCH_* variables reach the guest (see flip.js for the knobs).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
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
const knobs = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('DRM_BENCH_')));
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const loadBefore = load();
const r = await runForResult({
  command: [process.execPath, join(here, 'flip.js')],
  cwd: join(here, '..'),
  drivers: ['virtio_gpu', 'vkms'],
  env: knobs,
});
const loadAfter = load();
const n = (x, d = 1) => (x === undefined ? 'n/a' : Number(x.toFixed(d)));
const list = (xs) => (xs ? xs.join(' ') : 'n/a');
const spread = (xs) => (xs ? `${Math.min(...xs)}–${Math.max(...xs)}` : 'n/a');

for (const d of r.devices) {
  const vkms = d.driver === 'vkms';
  // vkms carries the plain names (the target); other devices a suffix
  const suffix = vkms ? '' : `-${d.driver.replaceAll('_', '-')}`;
  const caveat = vkms
    ? 'vkms: flips complete on its hrtimer vblank (60 Hz) inside the guest, no host round trip: CPU per flip is ours and modetest’s own'
    : `${d.driver}: a flip completes when QEMU has taken the frame, and QEMU's display work is charged to the flipping process under TCG: CPU per flip follows the host's load more than the contenders' code`;
  const extra = {
    device: `${d.device} (${d.driver})`,
    modetestArgs: d.modetestArgs ?? 'n/a',
    mode: d.info.mode,
    modetestSameMode: String(d.info.sameMode),
    hostLoadBefore: loadBefore,
    hostLoadAfter: loadAfter,
    linkUserUsPerFlip: n(d.link?.userUsPerFlip),
    linkSystemUsPerFlip: n(d.link?.systemUsPerFlip),
    linkAtomicFps: n(d.linkAtomic?.fps, 2),
    linkAtomicCpuUsPerFlip: n(d.linkAtomic?.cpuUsPerFlip),
    linkAtomicCpuRatio: n(d.ratios.linkAtomicCpu, 3),
    // the JavaScript path (await display.flip() per flip), same boot, same rounds
    jsLegacyFps: n(d.legacy?.fps, 2),
    jsLegacyCpuUsPerFlip: n(d.legacy?.cpuUsPerFlip),
    jsCpuRatio: n(d.ratios.jsCpu, 3),
    jsFpsRatio: n(d.ratios.jsFps, 3),
    jsAtomicFps: n(d.atomic?.fps, 2),
    jsAtomicCpuUsPerFlip: n(d.atomic?.cpuUsPerFlip),
    cLoopFps: n(d.c?.fps, 2),
    cLoopCpuUsPerFlip: n(d.c?.cpuUsPerFlip),
    modetestCpuRatioVsC: n(d.ratios.modetestCpuVsC, 3),
    roundLinkCpuRatios: list(d.perRound.linkCpu),
    roundLinkCpuSpread: spread(d.perRound.linkCpu),
    roundLinkFpsRatios: list(d.perRound.linkFps),
    roundLinkCpuRatiosVsC: list(d.perRound.linkCpuVsC),
    roundJsCpuRatios: list(d.perRound.jsCpu),
    rounds: r.rounds,
    order: r.kinds.join(' ⇄ '),
    note: `ours: a flip link (cyclingSource of two framebuffers → display.port(), legacy page flips as modetest -v does; no JavaScript per flip); the link, modetest and the C loop each measured over ${r.flips} flips after ${r.warmup}, as the whole process's CPU time (every thread, user + system; modetest's from its threads' schedstat, ns); js*: the JavaScript path (await display.flip()), ${r.jsFlips} flips after 30; ratios are medians of per-round ratios, rounds interleaved with the order reversed every other round; lab: QEMU TCG. ${caveat}`,
  };
  // against modetest -v: the flip rate (reported only) and CPU per flip (the target on vkms)
  const vsModetest = [
    [
      'rate',
      'fps',
      d.ratios.linkFps,
      'flips/s',
      vkms ? 'reported only (60 Hz vblank)' : 'reported only (QEMU)',
    ],
    [
      'cpu',
      'cpuUsPerFlip',
      d.ratios.linkCpu,
      'µs CPU/flip',
      vkms ? '<= 1.3' : 'reported only (QEMU display path)',
    ],
  ];
  for (const [what, key, ratio, unit, target] of vsModetest)
    if (d.link && d.modetest)
      writeBenchResult({
        name: `exporter-drm-flip-${what}${suffix}`,
        ours: d.link[key],
        baseline: d.modetest[key],
        ratio,
        unit,
        target,
        baselineName: `modetest -v on ${d.driver} (legacy page flips)`,
        extra,
      });
  if (d.link && d.c)
    writeBenchResult({
      name: `exporter-drm-flip-rate-vs-c${suffix}`,
      ours: d.link.fps,
      baseline: d.c.fps,
      ratio: d.ratios.linkFpsVsC,
      unit: 'flips/s',
      target: vkms ? '>= 0.9' : 'reported only (QEMU)',
      baselineName: `the same flip loop in C on ${d.driver} (bench/flip-baseline.c)`,
      extra: { ...extra, linkCpuRatioVsC: n(d.ratios.linkCpuVsC, 3) },
    });
}
