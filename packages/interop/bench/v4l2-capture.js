// Runs inside the lab (bench/v4l2-capture-run.js starts it): CPU time per
// frame and frame rate of @dmabuf/importer-v4l2 against `v4l2-ctl
// --stream-mmap` at the same format, frame interval and buffer count, in the
// same boot: a capture link into a counting sink (DQBUF → QBUF in native
// code, no JavaScript per frame; DMABUF import into udmabufs) and the
// JavaScript path (for await of queue.frames()). Each is measured side by
// side with v4l2-ctl (capture-paired.js: two vivid instances, the same
// window, both processes read from /proc/<pid>/stat); v4l2-ctl's old
// one-after-the-other figure (a long run minus a short one) is kept too.
// Prints one `RESULT {json}` line.
import { spawnSync } from 'node:child_process';
import { countingSink, Link } from '@dmabuf/core';
import { paired, processCpuUs, vividCaptures } from './capture-paired.js';
import { closeCapture, FORMAT, HEIGHT, openCapture, WIDTH } from './capture-setup.js';

const FRAMES = Number(process.env.V4L2_BENCH_FRAMES ?? 600);
const WARMUP = 60;
const ROUNDS = Number(process.env.V4L2_BENCH_ROUNDS ?? 5); // odd: the median is a round's ratio
const BUFFERS = Number(process.env.V4L2_BENCH_BUFFERS ?? 4);
const CLK_TCK = 100;
const WINDOW_MS = Number(process.env.V4L2_BENCH_WINDOW_MS ?? 8000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A mark(frames) that measures a run alone (same reading as paired(): /proc/self/stat). */
function alone() {
  const marks = [];
  return {
    mark: (frames) => marks.push({ cpuUs: processCpuUs(process.pid), frames, t: performance.now() }),
    result() {
      const [a, b] = marks;
      const frames = b.frames - a.frames;
      return { frames, fps: (frames * 1000) / (b.t - a.t), cpuUsPerFrame: (b.cpuUs - a.cpuUs) / frames };
    },
  };
}

/**
 * A capture link into a counting sink on `path`: DMABUF import into udmabufs attached to the queue (the
 * figure), or MMAP. With `stats`, onStats every WARMUP shown frames (about once a second, as v4l2-ctl
 * prints its fps) and mark(shown) at the WARMUP-th and the (WARMUP + FRAMES)-th shown frame from them;
 * without, nothing of JavaScript runs while the link does but the two marks, WINDOW_MS apart, on timers
 * (a link nobody reads while it runs).
 */
async function oursLink(memory, path, mark, stats = false) {
  const c = await openCapture(memory, BUFFERS, path);
  const { interval, q, bufs } = c;
  for (const b of bufs) q.attach(b);
  let end;
  if (stats) {
    let marks = 0;
    const onStats = (s) => {
      if ((marks === 0 && s.shown >= WARMUP) || (marks === 1 && s.shown >= WARMUP + FRAMES)) {
        marks++;
        mark(s.shown);
      }
    };
    // one batch more than measured: the link's thread is still there at the last mark (per-thread figures)
    const link = new Link(q.port(), countingSink(), {
      frames: WARMUP + FRAMES + WARMUP,
      statsEveryFrames: WARMUP,
      onStats,
    });
    link.start();
    end = await link.done;
  } else {
    const link = new Link(q.port(), countingSink());
    link.done.catch(() => {}); // stop() below reports how it ended
    link.start();
    while (link.stats.shown < WARMUP && link.state === 'running') await sleep(200);
    mark(link.stats.shown);
    await sleep(WINDOW_MS);
    mark(link.stats.shown);
    end = await link.stop();
  }
  await closeCapture(c);
  return { interval, skipped: end.skipped };
}

/** Our JavaScript capture loop (for await of queue.frames()) on `path`: DMABUF import into udmabufs (the figure), or MMAP. */
async function ours(memory, path, mark) {
  const c = await openCapture(memory, BUFFERS, path);
  const { interval, q, bufs } = c;
  if (memory === 'dmabuf') for (const b of bufs) q.queue(b);
  else for (let i = 0; i < q.count; i++) q.queue(i);
  q.start();
  let n = 0;
  for await (const f of q.frames()) {
    f.requeue();
    n++;
    if (n === WARMUP) mark(n);
    if (n === WARMUP + FRAMES) {
      mark(n);
      break;
    }
  }
  await closeCapture(c);
  return { interval };
}

/** One of ours alone (no v4l2-ctl beside it). */
async function solo(fn, memory, path) {
  const m = alone();
  const r = await fn(memory, path, m.mark);
  return { ...r, ...m.result() };
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

// Round by round (the order reversed every other round, the two vivid instances swapped every other round):
// the link beside v4l2-ctl, the JavaScript path beside v4l2-ctl, and v4l2-ctl's one-after-the-other figure.
const cams = vividCaptures();
if (cams.length < 2)
  throw new Error(`two vivid capture nodes needed (n_devs=2 multiplanar=1,1), found ${cams}`);
const runs = { link: [], linkStats: [], js: [], baseline: [] };
const kinds = {
  link: (mine, other, i) => paired(other, BUFFERS, `link${i}`, (mark) => oursLink('dmabuf', mine, mark)),
  linkStats: (mine, other, i) =>
    paired(other, BUFFERS, `stats${i}`, (mark) => oursLink('dmabuf', mine, mark, true)),
  js: (mine, other, i) => paired(other, BUFFERS, `js${i}`, (mark) => ours('dmabuf', mine, mark)),
  baseline: async (mine) => baseline(mine),
};
for (let i = 0; i < ROUNDS; i++) {
  const order = i % 2 ? Object.keys(kinds).reverse() : Object.keys(kinds);
  const [mine, other] = i % 2 ? [cams[1], cams[0]] : cams;
  for (const k of order) runs[k].push(await kinds[k](mine, other, i));
  const f = (r) => `${r.fps.toFixed(1)} fps ${r.cpuUsPerFrame.toFixed(0)} µs/frame`;
  const t = (r) =>
    Object.entries(r.ours.threads)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const p = (r) => `${f(r.ours)} (threads µs/frame: ${t(r)}) beside v4l2-ctl ${f(r.ctl)}`;
  console.log(
    `round ${i} (ours on ${mine}): link ${p(runs.link[i])}; link with stats ${p(runs.linkStats[i])}; js ${p(runs.js[i])}; v4l2-ctl alone ${f(runs.baseline[i])}`,
  );
}
const linkMmap = await solo(oursLink, 'mmap', cams[0]);
const jsMmap = await solo(ours, 'mmap', cams[0]);
const linkAlone = await solo(oursLink, 'dmabuf', cams[0]);
console.log(
  `RESULT ${JSON.stringify({ ...runs, linkMmap, jsMmap, linkAlone, cams, frames: FRAMES, buffers: BUFFERS, format: `${WIDTH}x${HEIGHT} ${FORMAT}` })}`,
);
