import { invalidArgument } from '../errors.js';
import type { LinkOptions } from '../link/link-options.js';
import type { LinkStats } from '../link/link-stats.js';
import { assertObject, assertPositive } from '../validate.js';

/** What a link did over the measured frames: wall time and this process's CPU, per shown frame. */
export interface LinkMeasure {
  /** Shown frames measured (after the warm-up). */
  frames: number;
  /** Wall time over the measured frames, in milliseconds. */
  ms: number;
  /** Shown frames per second over the measured frames. */
  fps: number;
  /** CPU time (user + system, every thread of the process) per shown frame, in microseconds. */
  cpuUsPerFrame: number;
  /** User CPU time per shown frame, in microseconds. */
  userUsPerFrame: number;
  /** System (kernel) CPU time per shown frame, in microseconds. */
  systemUsPerFrame: number;
  /** The link's stats when the last measured frame was shown (dropped, skipped, latency...). */
  stats: LinkStats;
}

/** A link's options that measure it, and the measure once the frames are shown. */
export interface LinkMeter {
  /** Pass to `new Link(source, sink, options)`: the link stops by itself after `warmup + frames` shown frames. */
  options: LinkOptions;
  /** Settles once the last measured frame was shown; rejects when the link ended before. */
  measured: Promise<LinkMeasure>;
  /** Call with the link's `done`: a link that ended early rejects `measured` with its error. */
  watch(done: Promise<unknown>): void;
}

/**
 * Measure a link the way a benchmark compares it with a C or GStreamer
 * baseline: the process's CPU time (every thread, user and system) and the
 * wall time from the `warmup`-th shown frame to the `warmup + frames`-th,
 * read from the link's own batched stats events (one every `warmup` frames),
 * so start-up and stop are not counted and no JavaScript runs per frame.
 */
export function linkMeter(options: { warmup: number; frames: number }): LinkMeter {
  assertObject('options', options);
  const o = options;
  assertPositive('warmup', o.warmup, 2 ** 31 - 1);
  assertPositive('frames', o.frames, 2 ** 31 - 1);
  if (o.frames % o.warmup !== 0)
    throw invalidArgument(
      'frames',
      `a multiple of warmup (${o.warmup}): stats come every warmup frames`,
      o.frames,
    );
  const end = o.warmup + o.frames;
  let start: { cpu: NodeJS.CpuUsage; t: number } | undefined;
  let settle!: { resolve: (m: LinkMeasure) => void; reject: (e: unknown) => void };
  let settled = false;
  const measured = new Promise<LinkMeasure>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const onStats = (s: LinkStats): void => {
    if (settled) return;
    if (start === undefined && s.shown >= o.warmup && s.shown < end) {
      start = { cpu: process.cpuUsage(), t: performance.now() };
      return;
    }
    if (start === undefined || s.shown < end) return;
    const cpu = process.cpuUsage(start.cpu);
    const ms = performance.now() - start.t;
    settled = true;
    settle.resolve({
      frames: o.frames,
      ms,
      fps: (o.frames * 1000) / ms,
      cpuUsPerFrame: (cpu.user + cpu.system) / o.frames,
      userUsPerFrame: cpu.user / o.frames,
      systemUsPerFrame: cpu.system / o.frames,
      stats: s,
    });
  };
  return {
    options: { frames: end, statsEveryFrames: o.warmup, onStats },
    measured,
    watch(done) {
      done.then(
        (s) => {
          if (settled) return;
          settled = true;
          settle.reject(new Error(`the link ended before ${end} frames were shown: ${JSON.stringify(s)}`));
        },
        (e: unknown) => {
          if (settled) return;
          settled = true;
          settle.reject(e);
        },
      );
    },
  };
}
