import type { DmaBuf } from '../dma-buf.js';
import { invalidArgument } from '../errors.js';
import { assertObject, assertPositive, assertUint } from '../validate.js';
import type { LinkStats } from './link-stats.js';

/** A frame handed to the tap: held from the source until release() (the link runs on without it). */
export interface TapFrame {
  /** The source's slot the frame is in. */
  readonly slot: number;
  /** The frame's sequence number (as the source counts). */
  readonly sequence: number;
  /** The buffers of the slot (map them for CPU access to look at the picture). */
  readonly buffers: readonly DmaBuf[];
  /** Give the buffer back to the source (at most one tapped frame is held at a time). */
  release(): void;
}

/** How a Link runs: a frame limit, an AbortSignal, batched stats, a tap. */
export interface LinkOptions {
  /** Stop by itself once this many frames were shown (default: run until stopped); `done` then resolves. */
  frames?: number;
  /** Stop the link when aborted (`done` then rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Stats delivered in batches: every `statsEveryMs` (default 250) and/or every `statsEveryFrames` shown frames. */
  onStats?: (stats: LinkStats) => void;
  /** onStats every this many milliseconds (default 250; 0: not by time). */
  statsEveryMs?: number;
  /** onStats every this many shown frames (default: not by frames). */
  statsEveryFrames?: number;
  /** Every `every`-th frame, after the sink is done with it, handed to `onFrame` (skipped while one is held). */
  tap?: {
    /** Hand every this many-th frame to onFrame. */
    every: number;
    /** Called with the frame; it stays out of the link until frame.release(). */
    onFrame: (frame: TapFrame) => void;
  };
}

/** Options checked, defaults filled. */
export function checkLinkOptions(options: LinkOptions): Required<Pick<LinkOptions, 'statsEveryMs'>> & {
  statsEveryFrames: number;
  tapEvery: number;
} {
  assertObject('options', options);
  const { signal, onStats, statsEveryMs, statsEveryFrames, tap, frames } = options;
  if (frames !== undefined) assertPositive('options.frames', frames);
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw invalidArgument('options.signal', 'an AbortSignal', signal);
  if (onStats !== undefined && typeof onStats !== 'function')
    throw invalidArgument('options.onStats', 'a function', onStats);
  if (statsEveryMs !== undefined) assertUint('options.statsEveryMs', statsEveryMs, 2 ** 31 - 1);
  if (statsEveryFrames !== undefined)
    assertPositive('options.statsEveryFrames', statsEveryFrames, 2 ** 31 - 1);
  if (tap !== undefined) {
    assertObject('options.tap', tap);
    assertPositive('options.tap.every', tap.every, 2 ** 31 - 1);
    if (typeof tap.onFrame !== 'function')
      throw invalidArgument('options.tap.onFrame', 'a function', tap.onFrame);
  }
  return {
    statsEveryMs: statsEveryMs ?? (statsEveryFrames !== undefined ? 0 : 250),
    statsEveryFrames: statsEveryFrames ?? 0,
    tapEvery: tap?.every ?? 0,
  };
}
