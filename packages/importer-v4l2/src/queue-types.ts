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
  buffer: DmaBuf;
  offset?: number;
}

/** One buffer (single-plane formats), or one per memory plane. */
export type SlotInput = DmaBuf | readonly (DmaBuf | PlaneInput)[];

/** What the kernel echoed back on QBUF. */
export interface QueuedBuffer {
  index: number;
  flags: number;
  planes: { fd?: number; length: number; bytesUsed: number; dataOffset: number }[];
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
