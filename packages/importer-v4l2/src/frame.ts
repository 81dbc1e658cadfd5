import type { DmaBuf } from '@dmabuf/core';
import { BUF_FLAG } from './constants.js';
import type { V4l2Slot } from './slot.js';

/** Options for putting a buffer (back) on a queue. */
export interface QueueBufferOptions {
  /** Output queues: payload bytes per plane (default: the plane's sizeimage). */
  bytesUsed?: number | readonly number[];
}

/** What a V4l2Frame needs from the queue it came from (V4l2Queue is one). */
export interface FrameOwner {
  /** Queue the slot again (QBUF), with what the frame says of its payload. */
  requeue(slot: V4l2Slot, options?: QueueBufferOptions): void;
  /** Whether the queue streams (a frame requeued after STREAMOFF is only released). */
  readonly streaming: boolean;
}

/**
 * One dequeued buffer: the image the device wrote (capture) or a buffer it
 * is done reading (output). Hand it back with `requeue()` (or let `using`
 * do it) when the consumer is done; until then the device cannot use it.
 */
export class V4l2Frame implements Disposable {
  /** The driver's frame counter: one more per captured frame, so a gap means dropped frames. */
  readonly sequence: number;
  /** Timestamp in microseconds (CLOCK_MONOTONIC for most drivers, see `flags`). */
  readonly timestampUs: number;
  /** Payload of plane 0 in bytes. */
  readonly bytesUsed: number;
  /** Payload of each plane. */
  readonly planeBytesUsed: readonly number[];
  /** V4L2_BUF_FLAG_* bits. */
  readonly flags: number;
  /** V4L2_FIELD_* of this buffer (1 NONE: a progressive frame; TOP/BOTTOM: one field). */
  readonly field: number;
  /** The slot (buffer index and its dma-bufs) the frame is in; requeue() gives it back to the device. */
  readonly slot: V4l2Slot;
  readonly #owner: FrameOwner;
  #held = true;

  /** @internal made by V4l2Queue */
  constructor(
    owner: FrameOwner,
    slot: V4l2Slot,
    raw: {
      sequence: number;
      sec: number;
      usec: number;
      flags: number;
      field: number;
      planes: { bytesused: number; dataOffset: number }[];
    },
  ) {
    this.#owner = owner;
    this.slot = slot;
    this.sequence = raw.sequence;
    this.timestampUs = raw.sec * 1e6 + raw.usec;
    this.flags = raw.flags;
    this.field = raw.field;
    this.planeBytesUsed = raw.planes.map((p) => p.bytesused);
    this.bytesUsed = this.planeBytesUsed[0] ?? 0;
  }

  /** The device marked the data as possibly corrupt (V4L2_BUF_FLAG_ERROR). */
  get error(): boolean {
    return (this.flags & BUF_FLAG.ERROR) !== 0;
  }

  /** The last buffer of a stream (V4L2_BUF_FLAG_LAST). */
  get last(): boolean {
    return (this.flags & BUF_FLAG.LAST) !== 0;
  }

  /** The buffer index. */
  get index(): number {
    return this.slot.index;
  }

  /** The dma-buf of plane 0 (a reference is not transferred: the slot keeps the buffer). */
  get buffer(): DmaBuf | undefined {
    return this.slot.buffer;
  }

  /** The dma-buf of each memory plane (references stay with the slot). */
  get buffers(): DmaBuf[] {
    return this.slot.buffers;
  }

  /** Still held by the caller (not requeued yet). */
  get held(): boolean {
    return this.#held;
  }

  /** Put the buffer back on its queue (the same index, the same dma-buf). */
  requeue(options?: QueueBufferOptions): void {
    if (!this.#held) return;
    this.#owner.requeue(this.slot, options);
    this.#held = false;
  }

  /** Release the frame without requeueing it (e.g. to detach its buffer). */
  drop(): void {
    this.#held = false;
  }

  /** Requeue if still held and the queue still streams. */
  [Symbol.dispose](): void {
    if (this.#held && this.#owner.streaming && this.slot.state === 'dequeued') this.requeue();
    this.#held = false;
  }
}
