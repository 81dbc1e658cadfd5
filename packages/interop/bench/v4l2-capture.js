// Runs inside the lab (bench/v4l2-capture-run.js starts it): capture frame
// rate and CPU time per frame of @dmabuf/importer-v4l2 (DMABUF import into
// udmabufs) against `v4l2-ctl --stream-mmap` at the same format and buffer
// count, on the same vivid node, in the same boot: a capture link into a
// counting sink (DQBUF → QBUF in native code, no JavaScript per frame) and
// the JavaScript path (for await of queue.frames()). Prints one
// `RESULT {json}` line.
import { spawnSync } from 'node:child_process';
import { countingSink, Link } from '@dmabuf/core';
import { linkMeter } from '@dmabuf/core/testing';
import { V4l2Device } from '@dmabuf/importer-v4l2';
import { closeCapture, FORMAT, HEIGHT, openCapture, WIDTH } from './capture-setup.js';

const FRAMES = Number(process.env.V4L2_BENCH_FRAMES ?? 600);
const WARMUP = 60;
const ROUNDS = Number(process.env.V4L2_BENCH_ROUNDS ?? 5); // odd: the median is a round's ratio
const BUFFERS = Number(process.env.V4L2_BENCH_BUFFERS ?? 4);
const CLK_TCK = 100;

/** A capture link into a counting sink: DMABUF import into udmabufs attached to the queue (the figure), or MMAP. */
async function oursLink(memory) {
  const c = await openCapture(memory, BUFFERS);
  const { interval, q, bufs } = c;
  for (const b of bufs) q.attach(b);
  const meter = linkMeter({ warmup: WARMUP, frames: FRAMES });
  const link = new Link(q.port(), countingSink(), meter.options);
  meter.watch(link.done);
  link.start();
  const m = await meter.measured;
  const stats = await link.stop();
  const path = await closeCapture(c);
  return {
    path,
    interval,
    fps: m.fps,
    cpuUsPerFrame: m.cpuUsPerFrame,
    userUsPerFrame: m.userUsPerFrame,
    systemUsPerFrame: m.systemUsPerFrame,
    skipped: stats.skipped,
  };
}

/** Our JavaScript capture loop (for await of queue.frames()): DMABUF import into udmabufs (the figure), or MMAP (same JS path, no import: for comparison). */
async function ours(memory) {
  const c = await openCapture(memory, BUFFERS);
  const { interval, q, bufs } = c;
  if (memory === 'dmabuf') for (const b of bufs) q.queue(b);
  else for (let i = 0; i < q.count; i++) q.queue(i);
  q.start();
  let n = 0;
  let t0 = 0;
  let cpu0;
  for await (const f of q.frames()) {
    f.requeue();
    n++;
    if (n === WARMUP) {
      cpu0 = process.cpuUsage();
      t0 = performance.now();
    }
    if (n === WARMUP + FRAMES) break;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const path = await closeCapture(c);
  return {
    path,
    interval,
    fps: (FRAMES * 1000) / ms,
    cpuUsPerFrame: (cpu.user + cpu.system) / FRAMES,
    userUsPerFrame: cpu.user / FRAMES,
    systemUsPerFrame: cpu.system / FRAMES,
  };
}

/** One v4l2-ctl run of `count` frames: wall ms and CPU µs (its process start included). */
function v4l2ctl(path, count) {
  const args = [
    '-d',
    path,
    `--set-fmt-video=width=${WIDTH},height=${HEIGHT},pixelformat=${FORMAT}`,
    `--stream-mmap=${BUFFERS}`,
    `--stream-count=${count}`,
    '--stream-to=/dev/null',
  ];
  // The shell's cutime/cstime (fields 16, 17 of /proc/$$/stat) are v4l2-ctl's CPU once it is reaped.
  const script = `v4l2-ctl ${args.map((a) => `'${a}'`).join(' ')} >/dev/null 2>&1 || exit 1; cat /proc/$$/stat`;
  const t0 = performance.now();
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`v4l2-ctl failed: ${r.stderr}`);
  const fields = r.stdout.slice(r.stdout.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[13]) + Number(fields[14]);
  return { args, ms, cpuUs: (ticks * 1e6) / CLK_TCK };
}

/** v4l2-ctl's steady state: a run of WARMUP frames subtracted from one of WARMUP + FRAMES (start-up cancels out). */
function baseline(path) {
  const short = v4l2ctl(path, WARMUP);
  const long = v4l2ctl(path, WARMUP + FRAMES);
  return {
    args: long.args,
    fps: (FRAMES * 1000) / (long.ms - short.ms),
    cpuUsPerFrame: (long.cpuUs - short.cpuUs) / FRAMES,
    wholeRun: { fps: ((WARMUP + FRAMES) * 1000) / long.ms, cpuUsPerFrame: long.cpuUs / (WARMUP + FRAMES) },
  };
}

// Alternate, round by round (the order reversed every other round): the lab shares 2 host cores with
// everything else, so the host side takes the median of the rounds' ratios (and reports each one's best round).
const runs = { link: [], baseline: [], js: [] };
const probe = V4l2Device.find({ driver: 'vivid', queue: 'capture' });
const camPath = probe.path;
probe.close();
const kinds = {
  link: () => oursLink('dmabuf'),
  baseline: async () => baseline(camPath),
  js: () => ours('dmabuf'),
};
for (let i = 0; i < ROUNDS; i++) {
  const order = i % 2 ? Object.keys(kinds).reverse() : Object.keys(kinds);
  for (const k of order) runs[k].push(await kinds[k]());
  const f = (r) => `${r.fps.toFixed(1)} fps ${r.cpuUsPerFrame.toFixed(0)} µs/frame`;
  console.log(`round ${i}: link ${f(runs.link[i])}; v4l2-ctl ${f(runs.baseline[i])}; js ${f(runs.js[i])}`);
}
const best = (list) => list.reduce((a, b) => (b.fps > a.fps ? b : a));
const summary = (list) => ({
  ...best(list),
  cpuUsPerFrame: Math.min(...list.map((r) => r.cpuUsPerFrame)),
  rounds: list.map((r) => [r.fps, r.cpuUsPerFrame]),
});
const linkMmap = await oursLink('mmap');
const jsMmap = await ours('mmap');
console.log(
  `RESULT ${JSON.stringify({ link: summary(runs.link), js: summary(runs.js), linkMmap, jsMmap, baseline: summary(runs.baseline), frames: FRAMES, buffers: BUFFERS, format: `${WIDTH}x${HEIGHT} ${FORMAT}` })}`,
);
