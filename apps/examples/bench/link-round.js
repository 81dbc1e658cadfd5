// Camera → display on a link (runs inside the lab, from bench/guest.js): the
// display allocates four XR24 scanout buffers, the camera imports them, and
// core's link engine moves every frame (DQBUF → page flip → QBUF once the next
// flip has completed) from libuv callbacks in native code: no JavaScript per
// frame. The same devices and size as GStreamer's `v4l2src
// io-mode=dmabuf-import ! kmssink`.
import { Link } from '@dmabuf/core';
import { linkMeter } from '@dmabuf/core/testing';
import { openCameraDisplay } from './camera-display-setup.js';

/**
 * Set up camera, display and link, run `run(link options)` → link, tear down.
 * @param {{ width: number, height: number, fps: number, buffers: number }} o
 * @param {(options: import('@dmabuf/core').LinkOptions) => import('@dmabuf/core').LinkOptions} options
 * @param {(link: Link) => Promise<unknown>} run
 */
async function withLink(o, options, run) {
  const { display, q, bufs, close } = await openCameraDisplay(o);
  try {
    for (const b of bufs) q.attach(b);
    const fbs = bufs.map((b) => display.framebuffer(b));
    await display.show(fbs[0]); // places the picture (mode, plane) once; the link flips from then on
    const link = new Link(q.port(), display.port(fbs), options({}));
    try {
      link.start();
      return await run(link);
    } finally {
      await link.stop();
    }
  } finally {
    await close();
  }
}

/** One measured round: CPU and time per shown frame over frames warmup..warmup+frames. */
export async function linkRound(o, { warmup, frames }) {
  const meter = linkMeter({ warmup, frames });
  /** @type {import('@dmabuf/core').LinkStats | undefined} the stats at the meter's first mark */
  let first;
  const onStats = (/** @type {import('@dmabuf/core').LinkStats} */ s) => {
    if (first === undefined && s.shown >= warmup) first = s;
    meter.options.onStats?.(s);
  };
  return await withLink(
    o,
    () => ({ ...meter.options, onStats }),
    async (link) => {
      meter.watch(link.done);
      const m = await meter.measured;
      return {
        path: 'link',
        // shown frames per second between the two marks, timed by the display: each mark's stats
        // carry fps = (shown - 1) / (its last flip's time - the first flip's time), flip events' own timestamps
        fps: first ? shownFps(first, m.stats) : m.fps,
        fpsHeard: m.fps,
        cpuMsPerFrame: m.cpuUsPerFrame / 1000,
        userMsPerFrame: m.userUsPerFrame / 1000,
        systemMsPerFrame: m.systemUsPerFrame / 1000,
        dropped: m.stats.dropped,
        skipped: m.stats.skipped,
        // between the two marks: frames shown and frames taken from the camera but not shown
        window: first
          ? { shown: m.stats.shown - first.shown, dropped: m.stats.dropped - first.dropped }
          : { shown: m.stats.shown, dropped: m.stats.dropped },
        latencyMedianMs: m.stats.latencyMedianMs,
        latencyP99Ms: m.stats.latencyP99Ms,
      };
    },
  );
}

/** Shown frames per second from stats `a` to stats `b`, by the flips' own timestamps. */
function shownFps(a, b) {
  const at = (s) => (s.shown - 1) / s.fps; // seconds from the first flip to the stats' last one
  return (b.shown - a.shown) / (at(b) - at(a));
}

/**
 * The process's RSS over a long link run: sampled every `every` shown
 * frames; the slope (least squares, after the first sample) in KiB per
 * 1000 frames.
 */
export async function linkRss(o, { frames, every }) {
  const samples = [];
  let cpu0;
  let t0 = 0;
  const r = await withLink(
    o,
    () => ({
      frames,
      statsEveryFrames: every,
      onStats: (s) => {
        if (s.shown % every !== 0 || samples.at(-1)?.[0] === s.shown) return;
        samples.push([s.shown, process.memoryUsage.rss()]);
        if (s.shown === every) {
          cpu0 = process.cpuUsage();
          t0 = performance.now();
        }
      },
    }),
    async (link) => {
      const s = await link.done;
      const cpu = process.cpuUsage(cpu0);
      const n = s.shown - every;
      return {
        stats: s,
        cpuMsPerFrame: (cpu.user + cpu.system) / 1000 / n,
        fps: (n * 1000) / (performance.now() - t0),
      };
    },
  );
  const xs = samples.slice(1);
  const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(xs.map(([x]) => x));
  const my = mean(xs.map(([, y]) => y));
  const num = xs.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = xs.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return {
    frames: r.stats.shown,
    dropped: r.stats.dropped,
    skipped: r.stats.skipped,
    fps: r.fps,
    cpuMsPerFrame: r.cpuMsPerFrame,
    rssSlopeKiBPer1kFrames: den > 0 ? ((num / den) * 1000) / 1024 : 0,
    rssFirstMiB: samples[0][1] / 2 ** 20,
    rssLastMiB: samples.at(-1)[1] / 2 ** 20,
    rssSamplesKiB: samples.map(([f, b]) => `${f}:${Math.round(b / 1024)}`).join(' '),
  };
}
