import { type DmaBufError, LifecycleError } from '@dmabuf/core';
import type { V4l2Frame } from './frame.js';
import type { WaitOptions } from './queue-types.js';

/** What waiting for frames needs from a queue's stream. */
export interface FrameSource {
  next(options: WaitOptions): Promise<V4l2Frame | undefined>;
  readonly failure: DmaBufError | undefined;
  /** An M2M capture queue gave its LAST buffer: nothing more comes until a restart. */
  readonly ended: boolean;
}

/** The next frame, or why there is none: the stream's failure, or EPIPE when it was drained or stopped. */
export async function nextFrame(source: FrameSource, name: string, options: WaitOptions): Promise<V4l2Frame> {
  const frame = await source.next(options);
  if (frame) return frame;
  if (source.failure) throw source.failure;
  if (source.ended) {
    throw new LifecycleError(`${name}: the stream is drained (its LAST buffer was dequeued)`, {
      code: 'EPIPE',
      hint: 'Restart it (stop() then start()), or resume the device after its drain',
    });
  }
  throw new LifecycleError(`${name}: the stream was stopped`, {
    code: 'EPIPE',
    hint: 'Start it again (queue.start())',
  });
}

/** Frames as they come; ends when the stream stops or the signal aborts, throws the stream's failure. */
export async function* iterateFrames(
  source: FrameSource,
  options: WaitOptions,
): AsyncGenerator<V4l2Frame, void, undefined> {
  for (;;) {
    if (options.signal?.aborted) return;
    let frame: V4l2Frame | undefined;
    try {
      frame = await source.next(options);
    } catch (e) {
      if (options.signal?.aborted && e === options.signal.reason) return;
      throw e;
    }
    if (!frame) {
      if (source.failure) throw source.failure;
      return;
    }
    yield frame;
  }
}
