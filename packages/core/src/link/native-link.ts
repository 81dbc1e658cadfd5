// The link engine's part of core's addon (native/link_*.cc), typed.
import { native } from '../native.js';

/** The order of the numbers linkStats() writes (LinkStat in native/link_engine.h). */
export const LINK_STATS = [
  'frames',
  'shown',
  'dropped',
  'skipped',
  'errors',
  'firstSequence',
  'lastSequence',
  'fps',
  'latencyMedianUs',
  'latencyP99Us',
  'inFlight',
  'tapped',
  'state',
  'seconds',
  'repeated',
  'abandoned',
] as const;

/** What onEvent's first argument says. */
export const LINK_EVENT = { END: 0, BATCH: 1, TAP: 2 } as const;

/** 1 source, 2 sink, 0 the link itself (stopped, or its thread's wait failed). */
export const LINK_SIDE = { LINK: 0, SOURCE: 1, SINK: 2 } as const;

export type LinkHandle = object & { readonly __link: unique symbol };

export interface LinkAddon {
  linkCreate(
    source: object,
    sink: object,
    map: Int32Array,
    onEvent: (kind: number, a: number, b: number, c: number) => void,
    tapEvery: number,
    batchEvery: number,
    frames: number,
  ): LinkHandle | number;
  linkStart(link: LinkHandle): number;
  linkStop(link: LinkHandle): number;
  /** Stop now and join the engine's thread (waiting at most waitMs for the sink's completions): [errno, side, op]. */
  linkStopNow(link: LinkHandle, waitMs: number): [number, number, number];
  linkStats(link: LinkHandle, out: Float64Array): number;
  linkTapRelease(link: LinkHandle, slot: number): number;
  portInfo(port: object): { kind: 'source' | 'sink'; slots: number; fd: number; linked: boolean } | number;
  countingSink(): object;
  cyclingSource(slots: number): object;
  /** A sink that never completes what it takes (testing/stalling-sink.ts); -errno when its eventfd cannot be made. */
  stallingSink(completeWithinMs: number, gone: boolean): object | number;
  LINK_STAT_COUNT: number;
}

export function linkNative(): LinkAddon {
  return native() as unknown as LinkAddon;
}
