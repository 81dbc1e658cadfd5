// Feeding a memory-to-memory device from another queue's frames (a camera),
// zero copy: each frame's dma-buf is imported by the OUTPUT queue, and the
// frame goes back to its own queue as soon as the device has read it.
import { assertObject, assertPositive, invalidArgument, LifecycleError } from '@dmabuf/core';
import type { V4l2Frame } from '../frame.js';
import type { WaitOptions } from '../queue-types.js';
import { V4l2M2mDevice } from './m2m-device.js';

export interface FeedOptions extends WaitOptions {
  /** Stop after this many frames (default: until the source ends). */
  limit?: number;
  /** When the source ends, drain a codec (ENC/DEC_CMD_STOP) so its CAPTURE ends with a LAST buffer. Default true for codecs. */
  drain?: boolean;
  /** Source frames held by the device at most (default: half the OUTPUT slots, at least 1), so the source keeps buffers to fill. */
  inFlight?: number;
}

/**
 * Queue the buffers of `source`'s frames on `m2m`'s OUTPUT queue (the same
 * dma-buf: no copy); each frame is requeued to its source once the device
 * hands its OUTPUT buffer back (a reclaim loop runs alongside, so the source
 * never starves). Resolves with the count of frames fed once every one is
 * back. CAPTURE must be drained meanwhile (frames(), codedChunks()).
 */
export async function feedFrames(
  m2m: V4l2M2mDevice,
  source: AsyncIterable<V4l2Frame>,
  options: FeedOptions = {},
): Promise<number> {
  if (!(m2m instanceof V4l2M2mDevice))
    throw invalidArgument('m2m', 'a V4l2M2mDevice (V4l2M2mDevice.open(path))', m2m);
  if (typeof (source as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] !== 'function')
    throw invalidArgument('source', 'an async iterable of V4l2Frames (e.g. camera.frames())', source);
  assertObject('options', options);
  if (options.limit !== undefined) assertPositive('options.limit', options.limit, 2 ** 31 - 1);
  const out = m2m.output;
  const inFlight = options.inFlight ?? Math.max(1, Math.floor(out.count / 2));
  assertPositive('options.inFlight', inFlight, out.count);
  const { limit, drain = m2m.role !== undefined, signal } = options;
  const held = new Map<number, V4l2Frame>();
  const stop = new AbortController();
  let wake: () => void = () => {};
  let failed: unknown;
  const reclaim = (async () => {
    const sig = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    for (;;) {
      let back: V4l2Frame;
      try {
        back = await out.dequeue({ signal: sig });
      } catch (e) {
        if (!stop.signal.aborted) failed = e;
        wake();
        return;
      }
      back.drop(); // an idle OUTPUT slot: queued again with the next source frame
      held.get(back.index)?.requeue();
      held.delete(back.index);
      wake();
    }
  })();
  const changed = () =>
    new Promise<void>((resolve, reject) => {
      if (failed) reject(failed);
      else
        wake = () => {
          wake = () => {};
          if (failed) reject(failed);
          else resolve();
        };
    });
  let fed = 0;
  try {
    if (limit === undefined || limit > 0) {
      for await (const frame of source) {
        if (!frame.buffer) {
          frame.requeue();
          throw new LifecycleError(`${m2m.name}: a frame without a dma-buf cannot be fed`, {
            code: 'EINVAL',
            hint: 'Export the source queue (exportBuffers) or give it dma-bufs',
          });
        }
        while (held.size >= inFlight) await changed();
        const r = out.queue(frame.buffer, { bytesUsed: frame.bytesUsed });
        held.set(r.index, frame);
        if (++fed === limit) break;
      }
    }
    if (drain && out.streaming) m2m.drain();
    while (held.size > 0 && out.streaming) await changed();
    if (failed) throw failed;
    return fed;
  } finally {
    stop.abort();
    await reclaim;
    for (const f of held.values()) if (f.held) f.drop();
  }
}
