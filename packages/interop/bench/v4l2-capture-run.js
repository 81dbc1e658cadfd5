// Host side of the capture benchmark: boots the lab once (vivid twice, both single-planar), runs
// bench/v4l2-capture.js (a capture link and the JavaScript path, each measured side by side with
// v4l2-ctl over the same window, in rounds), writes the results on the host.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBenchResult } from '@dmabuf/core/testing';
import { runForResult } from '@dmabuf/lab';

const here = dirname(fileURLToPath(import.meta.url));
const r = await runForResult({
  command: [process.execPath, join(here, 'v4l2-capture.js')],
  cwd: join(here, '..'),
  // two vivid instances, both single-planar: ours on one, v4l2-ctl on the other, at the same time
  vividOpts: process.env.DMABUF_LAB_VIVID_OPTS ?? 'n_devs=2 multiplanar=1,1',
});
// Each round measured ours and v4l2-ctl over the same window: a ratio is the median of the rounds' ratios.
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ratios = (list, key) => list.map((p) => p.ours[key] / p.ctl[key]);
const fpsRatios = ratios(r.link, 'fps');
const cpuRatios = ratios(r.link, 'cpuUsPerFrame');
const jsFpsRatios = ratios(r.js, 'fps');
const jsCpuRatios = ratios(r.js, 'cpuUsPerFrame');
const us = (x) => Number(x.toFixed(0));
const pairs = (list) =>
  JSON.stringify(
    list.map((p) => [
      [Number(p.ours.fps.toFixed(1)), us(p.ours.cpuUsPerFrame)],
      [Number(p.ctl.fps.toFixed(1)), us(p.ctl.cpuUsPerFrame)],
    ]),
  );
const two = (xs) => xs.map((x) => x.toFixed(2)).join(', ');
const interval = r.link[0].interval;
const extra = {
  format: r.format,
  buffers: r.buffers,
  frames: r.frames,
  frameInterval: `${interval.numerator}/${interval.denominator}`,
  v4l2ctlArgs: r.link[0].ctl.args.join(' '),
  linkRounds: pairs(r.link),
  roundCpuRatios: two(cpuRatios),
  linkFrames: r.link.map((p) => p.ours.frames).join(', '),
  // the link process's CPU per frame by thread: the link's own, Node's main, the rest (V8's and libuv's workers)
  linkThreads: JSON.stringify(r.link.map((p) => p.ours.threads)),
  // the same link with onStats every 60 frames (about once a second), also beside v4l2-ctl
  linkStatsRounds: pairs(r.linkStats),
  linkStatsCpuRatio: Number(median(ratios(r.linkStats, 'cpuUsPerFrame')).toFixed(3)),
  linkStatsRoundCpuRatios: two(ratios(r.linkStats, 'cpuUsPerFrame')),
  linkStatsThreads: JSON.stringify(r.linkStats.map((p) => p.ours.threads)),
  roundFpsRatios: two(fpsRatios),
  linkSkipped: r.link.map((p) => p.skipped).join(', '),
  // one after the other (the old method): v4l2-ctl alone (a 660- minus a 60-frame run) each round, one link alone
  v4l2ctlAloneRounds: JSON.stringify(r.baseline.map((b) => [Number(b.fps.toFixed(1)), us(b.cpuUsPerFrame)])),
  linkAloneFps: Number(r.linkAlone.fps.toFixed(2)),
  linkAloneCpuUsPerFrame: us(r.linkAlone.cpuUsPerFrame),
  linkMmapFps: Number(r.linkMmap.fps.toFixed(2)),
  linkMmapCpuUsPerFrame: us(r.linkMmap.cpuUsPerFrame),
  // the JavaScript path (for await of queue.frames(), requeue per frame), each round beside v4l2-ctl too
  jsRounds: pairs(r.js),
  jsCpuRatio: Number(median(jsCpuRatios).toFixed(3)),
  jsFpsRatio: Number(median(jsFpsRatios).toFixed(3)),
  jsRoundCpuRatios: two(jsCpuRatios),
  jsMmapFps: Number(r.jsMmap.fps.toFixed(2)),
  jsMmapCpuUsPerFrame: us(r.jsMmap.cpuUsPerFrame),
  note: `ours: a capture link (queue.port() → countingSink(): DQBUF and QBUF on the link's thread, no JavaScript while it runs but two timer marks 8 s apart after 60 frames), DMABUF import into udmabufs; linkStats*: the same with onStats every 60 frames (marks at frames 60 and 660); js*: the JavaScript path (for await of queue.frames()); each measured beside v4l2-ctl --stream-mmap=${r.buffers} on the other vivid instance over the same window (same format, interval, buffer count), both processes' utime+stime (all threads) from /proc/<pid>/stat at the same two moments, frames counted by each; TCG guest (a task's CPU time includes the host's load on its vCPU: side by side both see the same); vivid's kernel threads are not counted for either; ${r.link.length} rounds (instances swapped and order reversed every other round), ours/baseline are medians of the rounds, the ratio is the median of the rounds' ratios`,
};
const med = (list, side, key) => median(list.map((p) => p[side][key]));
writeBenchResult({
  name: 'importer-v4l2-capture-fps',
  ours: med(r.link, 'ours', 'fps'),
  baseline: med(r.link, 'ctl', 'fps'),
  unit: 'frames/s',
  target: '>= 0.9',
  baselineName: 'v4l2-ctl --stream-mmap',
  ratio: median(fpsRatios),
  extra,
});
writeBenchResult({
  name: 'importer-v4l2-capture-cpu',
  ours: med(r.link, 'ours', 'cpuUsPerFrame'),
  baseline: med(r.link, 'ctl', 'cpuUsPerFrame'),
  unit: 'µs CPU/frame',
  target: '<= 1.3',
  baselineName: 'v4l2-ctl --stream-mmap',
  ratio: median(cpuRatios),
  extra,
});
