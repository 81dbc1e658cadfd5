// The zero-copy path's frames on a link: DQBUF → page flip → QBUF in native
// code (core's link engine), JavaScript only for progress and the end.
import type { Link, LinkOptions } from '@dmabuf/core';
import type { Display } from '@dmabuf/exporter-drm';

/** What a link run needs of the pipeline's options. */
export interface LinkRunOptions {
  /** Frames to show (0: until aborted). */
  frames: number;
  signal?: AbortSignal | undefined;
  onShown?: ((shown: number, frame: undefined, display: Display) => void | Promise<void>) | undefined;
}

/** What a link run did (the pipeline's result, zero-copy). */
export interface LinkRunResult {
  path: 'zero-copy';
  mode: string;
  placement: string;
  frames: number;
  skipped: number;
  dropped: number;
  latencyMs: { median: number; p99: number };
  seconds: number;
  fps: number;
  cpuMsPerFrame: number;
  copiedBytesPerFrame: number;
}

/** Progress reported every this many frames. */
const PROGRESS_FRAMES = 30;

/** The link's options for a pipeline run: its frame count, its signal, progress every 30 frames. */
export function linkOptions(options: LinkRunOptions, display: Display): LinkOptions {
  return {
    ...(options.frames > 0 ? { frames: options.frames } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    statsEveryFrames: PROGRESS_FRAMES,
    statsEveryMs: 1000,
    onStats: (s) => {
      if (s.shown > 0 && (options.frames === 0 || s.shown < options.frames))
        void options.onShown?.(s.shown, undefined, display);
    },
  };
}

/** Run the link to its frame count (or until aborted), then call onShown once with the last frame on screen. */
export async function linkRun(link: Link, display: Display, options: LinkRunOptions): Promise<LinkRunResult> {
  const cpu0 = process.cpuUsage();
  let stats: Awaited<Link['done']>;
  try {
    stats = await link.done;
  } catch (e) {
    if (!options.signal?.aborted || e !== options.signal.reason) throw e;
    stats = link.stats;
  }
  const cpu = process.cpuUsage(cpu0);
  await options.onShown?.(stats.shown, undefined, display);
  const seconds = stats.seconds;
  return {
    path: 'zero-copy',
    mode: `${display.width}x${display.height}`,
    placement: display.placement?.reason ?? 'nothing shown',
    frames: stats.shown,
    skipped: stats.skipped,
    dropped: stats.dropped,
    latencyMs: { median: stats.latencyMedianMs, p99: stats.latencyP99Ms },
    seconds,
    fps: Math.round((stats.shown / Math.max(seconds, 1e-9)) * 100) / 100,
    cpuMsPerFrame: Math.round(((cpu.user + cpu.system) / 1000 / Math.max(stats.shown, 1)) * 1000) / 1000,
    copiedBytesPerFrame: 0,
  };
}
