// The types a V4L2 queue takes and gives (queue.ts holds the queue itself).
import type { DmaBuf, DmaBufError } from '@dmabuf/core';
import type { MemoryKind } from './constants.js';
import type { FdPoller } from './poller.js';

/** Options of `device.queue(kind, options)`: how buffers are backed and how many. */
export interface QueueOptions {
  /** 'dmabuf' (default): attach dma-bufs you own. 'mmap': the device allocates; export them with exportBuffers(). */
  memory?: MemoryKind;
  /** Buffers to request (default 4); the driver may give more or fewer. */
  count?: number;
}

/** A plane of a slot given to attach(): a buffer, and for output queues where its data starts. */
export interface PlaneInput {
  /** The dma-buf for this memory plane. */
  buffer: DmaBuf;
  /** Where the data starts in it, in bytes (output queues; data_offset); omitted: 0. */
  offset?: number;
}

/** One buffer (single-plane formats), or one per memory plane. */
export type SlotInput = DmaBuf | readonly (DmaBuf | PlaneInput)[];

/** What the kernel echoed back on QBUF. */
export interface QueuedBuffer {
  /** The buffer index (slot) queued. */
  index: number;
  /** V4L2_BUF_FLAG_* after QBUF (QUEUED set, see BUF_FLAG). */
  flags: number;
  /** Each memory plane as the kernel echoed it. */
  planes: QueuedPlane[];
}

/** One memory plane of a QueuedBuffer. */
export interface QueuedPlane {
  /** The dma-buf fd the kernel recorded (DMABUF queues); undefined for MMAP buffers. */
  fd?: number;
  /** The plane's length in bytes (for DMABUF: the dma-buf's size). */
  length: number;
  /** Bytes of payload: for output queues what was passed; for capture queues not meaningful until dequeued. */
  bytesUsed: number;
  /** Where the data starts in the plane, in bytes. */
  dataOffset: number;
}

/** A queue's state: `idle` (not streaming), `streaming`, `closed`. */
export type QueueState = 'idle' | 'streaming' | 'closed';

/** How long to wait for a frame. */
export interface WaitOptions {
  /** Abort the wait: dequeue() rejects with the signal's reason, frames() ends. */
  signal?: AbortSignal;
  /** Give up after this many milliseconds with ETIMEDOUT (per frame for frames()). */
  timeoutMs?: number;
}

/** @internal what a queue needs from its device */
export interface QueueHost {
  readonly device: { readonly name: string; readonly path: string };
  readonly fd: number;
  readonly poller: FdPoller;
  onClose(): void;
  lost(cause: unknown): DmaBufError;
}
