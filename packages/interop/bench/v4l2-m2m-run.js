// Host side of the camera → vim2m → sink benchmark: boots the lab once (vivid + vim2m),
// runs bench/v4l2-m2m.js (ours and GStreamer alternating), writes the results on the host.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBenchResult } from '@dmabuf/core/testing';
import { runForResult } from '@dmabuf/lab';

const here = dirname(fileURLToPath(import.meta.url));
const r = await runForResult({
  command: [process.execPath, join(here, 'v4l2-m2m.js')],
  cwd: join(here, '..'),
  drivers: ['vivid', 'vim2m', 'udmabuf'],
  // M2M_BENCH_FRAMES, M2M_BENCH_ROUNDS, M2M_BENCH_PROFILE=1 (where ours spends its CPU, printed)
  env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('M2M_BENCH_'))),
});
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// The headline is the chain on two links (no JavaScript per frame); the JavaScript path's figures stay in extra.
const js = r.ours;
const ours = r.link;
const fpsRatios = ours.map((o, i) => o.fps / r.baseline[i].fps);
const cpuRatios = ours.map((o, i) => o.cpuUsPerFrame / r.baseline[i].cpuUsPerFrame);
const jsFpsRatios = js.map((o, i) => o.fps / r.baseline[i].fps);
const jsCpuRatios = js.map((o, i) => o.cpuUsPerFrame / r.baseline[i].cpuUsPerFrame);
const best = (xs, key, pick) => pick(...xs.map((x) => x[key]));
const extra = {
  format: r.format,
  frames: r.frames,
  gstPipeline: r.baseline[0].pipeline,
  gstZeroCopy: r.gstZeroCopy,
  ...(r.gstZeroCopyError ? { gstZeroCopyError: r.gstZeroCopyError.slice(0, 300) } : {}),
  frameInterval: `${ours[0].interval.numerator}/${ours[0].interval.denominator}`,
  oursRounds: JSON.stringify(ours.map((o) => [Number(o.fps.toFixed(1)), Math.round(o.cpuUsPerFrame)])),
  gstRounds: JSON.stringify(r.baseline.map((b) => [Number(b.fps.toFixed(1)), Math.round(b.cpuUsPerFrame)])),
  roundFpsRatios: fpsRatios.map((x) => x.toFixed(3)).join(', '),
  roundCpuRatios: cpuRatios.map((x) => x.toFixed(2)).join(', '),
  oursMethod:
    "two links: vivid's capture queue → vim2m's OUTPUT queue (both on the same udmabufs), vim2m's CAPTURE queue (udmabufs) → countingSink(); CPU and time over the converted frame count",
  jsRounds: JSON.stringify(js.map((o) => [Number(o.fps.toFixed(1)), Math.round(o.cpuUsPerFrame)])),
  jsFpsRatio: Number(median(jsFpsRatios).toFixed(3)),
  jsCpuRatio: Number(median(jsCpuRatios).toFixed(2)),
  jsMethod:
    "the JavaScript path, same rounds: vivid's MMAP buffers exported, fed to vim2m with feedFrames(), vim2m's CAPTURE frames taken with for await and requeued",
  note: `TCG guest; vim2m default_transtime 1 ms for both; the kernel's vivid and vim2m work is not counted for either; GStreamer figures are a ${r.frames + 30}-frame run minus a 30-frame run after one throwaway run (GStreamer builds its registry) (start-up cancels out); ${r.ours.length} alternating rounds, the ratio is the median of the rounds' ratios`,
};
writeBenchResult({
  name: 'importer-v4l2-m2m-fps',
  ours: best(ours, 'fps', Math.max),
  baseline: best(r.baseline, 'fps', Math.max),
  unit: 'frames/s',
  target: '>= 1.0',
  baselineName: 'gst-launch-1.0 v4l2src ! v4l2convert ! fakesink',
  ratio: median(fpsRatios),
  extra,
});
writeBenchResult({
  name: 'importer-v4l2-m2m-cpu',
  ours: best(ours, 'cpuUsPerFrame', Math.min),
  baseline: best(r.baseline, 'cpuUsPerFrame', Math.min),
  unit: 'µs CPU/frame',
  target: '<= 1.0',
  baselineName: 'gst-launch-1.0 v4l2src ! v4l2convert ! fakesink',
  ratio: median(cpuRatios),
  extra,
});
console.log(
  `m2m bench: fps ratio ${median(fpsRatios).toFixed(3)} (${extra.roundFpsRatios}); cpu ratio ${median(cpuRatios).toFixed(2)} (${extra.roundCpuRatios})`,
);
console.log(
  `JavaScript path: fps ratio ${extra.jsFpsRatio}, cpu ratio ${extra.jsCpuRatio} (${extra.jsRounds})`,
);
console.log(`link ${extra.oursRounds}; gst ${extra.gstRounds}; gst zero copy: ${r.gstZeroCopy}`);
