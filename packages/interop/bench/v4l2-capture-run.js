// Host side of the capture benchmark: boots the lab once, runs bench/v4l2-capture.js
// (a capture link, v4l2-ctl and the JS path in alternating rounds, same boot), writes the results on the host.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBenchResult } from '@dmabuf/core/testing';
import { runForResult } from '@dmabuf/lab';

const here = dirname(fileURLToPath(import.meta.url));
const r = await runForResult({
  command: [process.execPath, join(here, 'v4l2-capture.js')],
  cwd: join(here, '..'),
  vividOpts: process.env.DMABUF_LAB_VIVID_OPTS ?? 'n_devs=2 multiplanar=1,2',
});
// Each round ran the link, v4l2-ctl and the JS path back to back: a ratio is the median of the rounds' ratios.
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ratios = (ours, i) => ours.rounds.map(([f, c], k) => [f, c][i] / r.baseline.rounds[k][i]);
const fpsRatios = ratios(r.link, 0);
const cpuRatios = ratios(r.link, 1);
const jsFpsRatios = ratios(r.js, 0);
const jsCpuRatios = ratios(r.js, 1);
const us = (x) => Number(x.toFixed(0));
const rounds = (list) => JSON.stringify(list.rounds.map(([f, c]) => [Number(f.toFixed(1)), Math.round(c)]));
const extra = {
  format: r.format,
  buffers: r.buffers,
  frames: r.frames,
  frameInterval: `${r.link.interval.numerator}/${r.link.interval.denominator}`,
  v4l2ctlArgs: r.baseline.args.join(' '),
  linkUserUsPerFrame: us(r.link.userUsPerFrame),
  linkSystemUsPerFrame: us(r.link.systemUsPerFrame),
  linkRounds: rounds(r.link),
  v4l2ctlRounds: rounds(r.baseline),
  roundFpsRatios: fpsRatios.map((x) => x.toFixed(3)).join(', '),
  roundCpuRatios: cpuRatios.map((x) => x.toFixed(2)).join(', '),
  linkMmapFps: Number(r.linkMmap.fps.toFixed(2)),
  linkMmapCpuUsPerFrame: us(r.linkMmap.cpuUsPerFrame),
  // the JavaScript path (for await of queue.frames(), requeue per frame), same rounds
  jsFps: Number(r.js.fps.toFixed(2)),
  jsCpuUsPerFrame: us(r.js.cpuUsPerFrame),
  jsUserUsPerFrame: us(r.js.userUsPerFrame),
  jsSystemUsPerFrame: us(r.js.systemUsPerFrame),
  jsRounds: rounds(r.js),
  jsCpuRatio: Number(median(jsCpuRatios).toFixed(3)),
  jsFpsRatio: Number(median(jsFpsRatios).toFixed(3)),
  jsRoundCpuRatios: jsCpuRatios.map((x) => x.toFixed(2)).join(', '),
  jsMmapFps: Number(r.jsMmap.fps.toFixed(2)),
  jsMmapCpuUsPerFrame: us(r.jsMmap.cpuUsPerFrame),
  v4l2ctlWholeRunFps: Number(r.baseline.wholeRun.fps.toFixed(2)),
  v4l2ctlWholeRunCpuUsPerFrame: us(r.baseline.wholeRun.cpuUsPerFrame),
  note: `ours: a capture link (queue.port() → countingSink(): DQBUF and QBUF in native code, no JavaScript per frame), DMABUF import into udmabufs, ${r.frames} frames after 60 measured from the link's batched stats; js*: the JavaScript path (for await of queue.frames()); TCG guest (~15x slower than native); vivid's kernel thread is not counted for either; v4l2-ctl figures are a 660-frame run minus a 60-frame run (start-up cancels out); ${r.link.rounds.length} rounds (link, v4l2-ctl, JS; order reversed every other round): ours/baseline are each one's best round, the ratio is the median of the rounds' ratios`,
};
writeBenchResult({
  name: 'importer-v4l2-capture-fps',
  ours: r.link.fps,
  baseline: r.baseline.fps,
  unit: 'frames/s',
  target: '>= 0.9',
  baselineName: 'v4l2-ctl --stream-mmap',
  ratio: median(fpsRatios),
  extra,
});
writeBenchResult({
  name: 'importer-v4l2-capture-cpu',
  ours: r.link.cpuUsPerFrame,
  baseline: r.baseline.cpuUsPerFrame,
  unit: 'µs CPU/frame',
  target: '<= 1.3',
  baselineName: 'v4l2-ctl --stream-mmap',
  ratio: median(cpuRatios),
  extra,
});
