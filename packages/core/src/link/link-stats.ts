import { LINK_STATS } from './native-link.js';

/** What a link has done so far (readable at any time, also after it ended). */
export interface LinkStats {
  /** Frames the source handed out. */
  frames: number;
  /** Frames the sink completed (on screen, or consumed). */
  shown: number;
  /**
   * Frames handed out but given back unshown: a newer frame replaced them while the sink was busy,
   * or the link ended before the sink took or completed them (see `abandoned`). Once the link has
   * ended, frames = shown + dropped.
   */
  dropped: number;
  /** Sequence numbers the source skipped (frames the device lost: no buffer was free). */
  skipped: number;
  /** Frames the device marked bad (given straight back). */
  errors: number;
  /** Sequence number of the first frame (-1 before any). */
  firstSequence: number;
  /** Sequence number of the last frame (-1 before any). */
  lastSequence: number;
  /** Shown frames per second, first to last completion. */
  fps: number;
  /** Capture → sink completion (flip) latency, in milliseconds; -1 before any. */
  latencyMedianMs: number;
  /** Capture → sink completion latency, 99th percentile, in milliseconds; -1 before any. */
  latencyP99Ms: number;
  /** Frames submitted to the sink and not yet completed. */
  inFlight: number;
  /** Frames handed to the tap. */
  tapped: number;
  /** Seconds since start(). */
  seconds: number;
  /**
   * Frames whose sequence number was not after the previous frame's (a driver that repeats one):
   * counted in `frames`, `lastSequence` kept, so frames = lastSequence - firstSequence + 1 - skipped + repeated.
   */
  repeated: number;
  /**
   * Of `dropped`: frames submitted to the sink whose completion never came before the link ended
   * (a page flip still pending when stop() or the owner's close() gave up waiting, or when the
   * display stopped completing flips; a V4L2 output queue's buffers taken back by STREAMOFF).
   */
  abandoned: number;
}

/** The engine's numbers as LinkStats. */
export function statsOf(raw: Float64Array): LinkStats {
  const v = (name: (typeof LINK_STATS)[number]) => raw[LINK_STATS.indexOf(name)]!;
  const ms = (us: number) => (us < 0 ? -1 : Math.round(us) / 1000);
  return {
    frames: v('frames'),
    shown: v('shown'),
    dropped: v('dropped'),
    skipped: v('skipped'),
    errors: v('errors'),
    firstSequence: v('firstSequence'),
    lastSequence: v('lastSequence'),
    fps: Math.round(v('fps') * 100) / 100,
    latencyMedianMs: ms(v('latencyMedianUs')),
    latencyP99Ms: ms(v('latencyP99Us')),
    inFlight: v('inFlight'),
    tapped: v('tapped'),
    seconds: Math.round(v('seconds') * 1000) / 1000,
    repeated: v('repeated'),
    abandoned: v('abandoned'),
  };
}
