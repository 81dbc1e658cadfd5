// Runs inside the lab (bench/run.js starts it): camera to display on a link
// (no JavaScript per frame, as camera-to-display's zero-copy path runs), the
// same with JavaScript per frame (bench/js-run.js: what that path did before),
// the pipeline's copy path, and GStreamer doing the same, in interleaved
// rounds, same boot, same camera and display; then one long link run for RSS. `convert`: the YUYV conversion path against GStreamer's
// videoconvert instead. Prints one RESULT line for the host.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { runPipeline } from '../dist/camera-display/pipeline.js';
import { cameraTracer } from './camera-trace.js';
import { jsRound } from './js-run.js';
import { keepUpRatios } from './keep-up.js';
import { linkRound, linkRss } from './link-round.js';

const ONLY_CONVERT = process.argv[2] === 'convert';
const ROUNDS = Number(process.env.C2D_BENCH_ROUNDS ?? 5);
const FRAMES = 45; // the JavaScript path's and the copy path's frames per round
const base = { width: 640, height: 480, buffers: 4, frames: FRAMES, fps: 60 }; // the rate GStreamer is given
const linkBase = { ...base, buffers: Number(process.env.C2D_BENCH_LINK_BUFFERS ?? base.buffers) };
// The link: measured over the frames GStreamer's figures cover (its 300-frame run minus its 30-frame one).
const LINK = { warmup: 30, frames: 270 };
const RSS = { frames: Number(process.env.C2D_BENCH_RSS_FRAMES ?? 10_000), every: 500 };

// GStreamer doing the same pipelines. Zero-copy: v4l2src imports kmssink's
// dumb buffers (io-mode=dmabuf-import), kmssink sets the mode and flips.
// Conversion: a YUYV camera, videoconvert to BGRx (XR24), kmssink.
// Its CPU and time per frame come from two runs of different lengths (the
// difference removes start-up: plugin loading, negotiation, modeset).
const CLK_TCK = 100;
const GST_ZERO =
  'io-mode=dmabuf-import ! video/x-raw,format=BGRx,width=640,height=480,framerate=60/1 ' +
  '! kmssink driver-name=virtio_gpu force-modesetting=true sync=false';
const GST_CONVERT =
  '! video/x-raw,format=YUY2,width=640,height=480,framerate=60/1 ! videoconvert ! video/x-raw,format=BGRx ' +
  '! kmssink driver-name=virtio_gpu force-modesetting=true can-scale=false sync=false';
function gst(frames, tail) {
  const pipeline = `gst-launch-1.0 -q v4l2src device=/dev/video0 num-buffers=${frames} ${tail}`;
  const t0 = performance.now();
  const r = spawnSync('sh', ['-c', `${pipeline} >/dev/null 2>&1 || exit 1; cat /proc/$$/stat`], {
    encoding: 'utf8',
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`gst-launch-1.0 failed (exit ${r.status}): ${pipeline}`);
  const f = r.stdout.slice(r.stdout.lastIndexOf(')') + 2).split(' ');
  // after the comm field: cutime and cstime are fields 16 and 17, i.e. indexes 13 and 14 here
  return { ms, cpuMs: ((Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK };
}
const GST_SHORT = 30;
const GST_LONG = GST_SHORT + LINK.frames;
function gstRound(tail) {
  const a = gst(GST_SHORT, tail);
  const b = gst(GST_LONG, tail);
  const n = GST_LONG - GST_SHORT;
  return { fps: n / ((b.ms - a.ms) / 1000), cpuMsPerFrame: (b.cpuMs - a.cpuMs) / n, path: 'gstreamer' };
}

/**
 * GStreamer's steady state read while it runs, as modetest's is: the same
 * zero-copy pipeline with kmssink inside fpsdisplaysink (no text overlay),
 * whose `rendered: N` lines (-v, every 500 ms) are matched with the
 * process's CPU ticks from /proc at that moment; measured from the first
 * line after `LINK.warmup` frames to the last, over about `LINK.frames`.
 */
function gstSteady() {
  const sink = 'kmssink driver-name=virtio_gpu force-modesetting=true';
  const args = [
    '-v',
    'v4l2src',
    'device=/dev/video0',
    `num-buffers=${LINK.warmup + LINK.frames + 60}`,
    ...GST_ZERO.split(' ! kmssink')[0].split(' '),
    '!',
    'fpsdisplaysink',
    `video-sink="${sink}"`, // gst-launch joins its argv into one description: quoted
    'text-overlay=false',
    'sync=false',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('gst-launch-1.0', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const marks = [];
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      // "rendered: N, dropped: D, current: F, ..." (or "..., fps: F, drop rate: ...") where F is the
      // frames rendered since the last line over the time since it, both taken by fpsdisplaysink
      // in its streaming thread as the frame reached kmssink: the interval is N's step / F
      for (const m of String(d).matchAll(/rendered: (\d+), dropped: (\d+), (?:current|fps): ([\d.]+)/g)) {
        const rendered = Number(m[1]);
        const prev = marks.at(-1);
        const current = Number(m[3]);
        marks.push({
          rendered,
          dropped: Number(m[2]),
          t: performance.now(),
          shownS: (prev?.shownS ?? 0) + (prev && current > 0 ? (rendered - prev.rendered) / current : 0),
          ticks: ticksOf(child.pid),
        });
      }
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const from = marks.find((m) => m.rendered >= LINK.warmup);
      const to = marks.at(-1);
      if (code !== 0 || !from || !to || to.rendered - from.rendered < LINK.frames / 2)
        return reject(
          new Error(
            `gst-launch-1.0 ${args.join(' ')} (exit ${code}): too few fps lines\n${out.slice(-1500)}`,
          ),
        );
      const n = to.rendered - from.rendered;
      const dropped = to.dropped - from.dropped;
      resolve({
        path: 'gstreamer (fpsdisplaysink)',
        // timed by fpsdisplaysink's own clock readings (as the link's by its flips' timestamps)
        fps: n / (to.shownS - from.shownS),
        fpsHeard: (n * 1000) / (to.t - from.t),
        cpuMsPerFrame: ((to.ticks - from.ticks) * 1000) / CLK_TCK / n,
        frames: n,
        dropped,
        window: { shown: n, dropped },
      });
    });
  });
}

function ticksOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime, every thread
  } catch {
    return Number.NaN;
  }
}

// The camera's own account of each link and GStreamer round (bench/camera-trace.js), over the
// same dequeues on both sides: the frames it delivered per second and the sequence numbers it skipped.
const SCHED = process.env.C2D_BENCH_SCHED;
const tracer = cameraTracer({ sched: SCHED === '1' || SCHED === 'irq', irqs: SCHED === 'irq' });
const CAMERA_WINDOW = { from: LINK.warmup, to: LINK.warmup + LINK.frames };
/**
 * @template T
 * @param {() => Promise<T>} run
 */
async function traced(run) {
  tracer.start();
  const r = await run();
  return { ...r, cameraTrace: tracer.stop(CAMERA_WINDOW) };
}
const runs = {
  link: () => traced(() => linkRound(linkBase, LINK)),
  gstSteady: () => traced(gstSteady),
  convert: () => runPipeline({ ...base, copy: false, format: 'YUYV' }),
  gstConvert: async () => gstRound(GST_CONVERT),
  js: () => jsRound(base),
  gstZero: async () => gstRound(GST_ZERO),
  copy: () => runPipeline({ ...base, copy: true }),
};
// `link@N` in C2D_BENCH_KINDS: a link round with N buffers (C2D_BENCH_LINK_BUFFERS sets the link's own)
for (const kind of process.env.C2D_BENCH_KINDS?.split(',') ?? []) {
  const n = /^link@(\d+)$/.exec(kind)?.[1];
  if (n) runs[kind] = () => traced(() => linkRound({ ...base, buffers: Number(n) }, LINK));
}
const results = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
gst(10, GST_ZERO); // plugin registry and caches
if (process.env.C2D_BENCH_GST_DEBUG === '1') {
  // how many buffers GStreamer's v4l2src asks the camera for (REQBUFS), for comparison with ours
  const r = spawnSync(
    'sh',
    [
      '-c',
      `GST_DEBUG_NO_COLOR=1 GST_DEBUG=v4l2bufferpool:5,v4l2allocator:5 gst-launch-1.0 -q v4l2src device=/dev/video0 num-buffers=10 ${GST_ZERO} 2>&1`,
    ],
    { encoding: 'utf8' },
  );
  for (const l of r.stdout
    .split('\n')
    .filter((x) => /buffers|REQBUFS|count/i.test(x))
    .slice(0, 25))
    console.log(`gst debug: ${l.slice(0, 240)}`);
}
// Interleaved in one boot: ours, gst, ours, gst… with the order flipped every
// other round, so slow phases of the (shared, noisy) host hit both sides alike.
const kinds = ONLY_CONVERT
  ? ['convert', 'gstConvert']
  : (process.env.C2D_BENCH_KINDS?.split(',') ?? ['link', 'gstSteady', 'js', 'copy']);
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of round % 2 ? [...kinds].reverse() : kinds) {
    const r = await runs[kind]();
    results[kind].push(r);
    const cam = r.cameraTrace
      ? `; camera delivered ${r.cameraTrace.fps.toFixed(1)} fps, skipped ${r.cameraTrace.skipped} (${r.cameraTrace.skippedWithBufferQueued} with a buffer queued)`
      : '';
    if (r.cameraTrace?.ticks)
      console.log(`round ${round + 1} ${kind} camera ticks: ${JSON.stringify(r.cameraTrace.ticks)}`);
    // the guest's wall clock (UTC, from the host's RTC): to match a round with the host's load
    console.log(
      `${new Date().toISOString().slice(11, 19)} round ${round + 1} ${kind} (${r.path}${r.format ? `, ${r.format}` : ''}): ${r.fps.toFixed(1)} fps, CPU ${r.cpuMsPerFrame.toFixed(3)} ms/frame${cam}`,
    );
  }
}
const { link, js, copy, convert: conv, gstSteady: gstRuns, gstConvert: gstConv } = results;
const cpuOf = (rs) => rs.map((r) => r.cpuMsPerFrame);
const fpsOf = (rs) => rs.map((r) => r.fps);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// each round's runs ran back to back (interleaved), so a per-round ratio compares like with like;
// a kind left out by C2D_BENCH_KINDS has no rounds, and no ratio against it
const ratios = (a, b, key) => a.flatMap((r, i) => (b[i] ? [Number((r[key] / b[i][key]).toFixed(3))] : []));
const pick = (rs, key) => median(rs.map((r) => r[key]));
let rss = null;
if (!ONLY_CONVERT) {
  // ~3 minutes at 60 fps: one run on its own, after the rounds (too long for a round)
  rss = await linkRss(linkBase, RSS);
  console.log(
    `link RSS over ${rss.frames} frames: ${rss.rssSlopeKiBPer1kFrames.toFixed(1)} KiB per 1000 frames (${rss.rssFirstMiB.toFixed(1)} → ${rss.rssLastMiB.toFixed(1)} MiB), ${rss.fps.toFixed(1)} fps, CPU ${rss.cpuMsPerFrame.toFixed(3)} ms/frame`,
  );
}
console.log(
  `RESULT ${JSON.stringify(
    ONLY_CONVERT
      ? {
          convert: { cpu: cpuOf(conv), fps: fpsOf(conv), path: conv[0].path },
          gstConvert: { cpu: cpuOf(gstConv), fps: fpsOf(gstConv) },
          convertRatios: ratios(conv, gstConv, 'cpuMsPerFrame'),
          convertRatio: median(ratios(conv, gstConv, 'cpuMsPerFrame')),
          interleaved: kinds.join(' ⇄ '),
          frames: FRAMES,
        }
      : {
          link: {
            cpu: cpuOf(link),
            fps: fpsOf(link),
            userMsPerFrame: pick(link, 'userMsPerFrame'),
            systemMsPerFrame: pick(link, 'systemMsPerFrame'),
            dropped: link.map((r) => r.dropped),
            skipped: link.map((r) => r.skipped),
            latencyMedianMs: pick(link, 'latencyMedianMs'),
            latencyP99Ms: pick(link, 'latencyP99Ms'),
            fpsHeard: link.map((r) => r.fpsHeard),
            camera: link.map((r) => r.cameraTrace),
            window: link.map((r) => r.window),
          },
          gst: {
            cpu: cpuOf(gstRuns),
            fps: fpsOf(gstRuns),
            fpsHeard: gstRuns.map((r) => r.fpsHeard),
            camera: gstRuns.map((r) => r.cameraTrace),
            window: gstRuns.map((r) => r.window),
          },
          cameraTraced: tracer.available,
          linkCpuRatios: ratios(link, gstRuns, 'cpuMsPerFrame'),
          linkFpsRatios: ratios(link, gstRuns, 'fps'),
          linkKeepUpRatios: keepUpRatios(
            link.map((r) => r.window),
            gstRuns.map((r) => r.window),
          ),
          linkFpsHeardRatios: ratios(link, gstRuns, 'fpsHeard'),
          js: { cpu: cpuOf(js), fps: fpsOf(js) },
          jsCpuRatios: ratios(js, gstRuns, 'cpuMsPerFrame'),
          jsFpsRatios: ratios(js, gstRuns, 'fps'),
          copy: { cpu: cpuOf(copy), fps: fpsOf(copy) },
          linkVsCopyRatios: ratios(link, copy, 'cpuMsPerFrame'),
          rss,
          interleaved: kinds.join(' ⇄ '),
          frames: FRAMES,
          linkFrames: LINK.frames,
        },
  )}`,
);
