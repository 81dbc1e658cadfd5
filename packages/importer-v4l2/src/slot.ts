import type { Attachment, DeviceMapping, DmaBuf } from '@dmabuf/core';

/** The device-side handle a V4L2 plane mapping yields: which slot, which plane. */
export interface SlotHandle {
  /** The V4L2 buffer index. */
  slot: number;
  /** The memory plane of that buffer. */
  plane: number;
}

/**
 * What queue.attach() passes with each map of a plane (the core hands it to
 * the plane importer's onMap): the slot it assigned, and the queue that did,
 * so a map from anywhere else is refused.
 */
export interface SlotAssignment extends SlotHandle {
  /** The V4l2Queue that assigned the slot (its plane importers refuse any other). */
  readonly queue: object;
}

/** One memory plane of a slot: the dma-buf behind it and where its data starts. */
export interface SlotPlane {
  /** The dma-buf behind this plane (the slot holds a reference while it lives). */
  readonly buffer: DmaBuf;
  /** data_offset (output queues only; capture planes start at 0). */
  readonly offset: number;
  /** The core attachment (DMABUF queues; MMAP slots have exported buffers, not attachments). */
  attachment?: Attachment<SlotHandle, SlotAssignment, DmaBuf>;
  /** The core device mapping (DMABUF queues, while the slot is mapped); undefined for MMAP slots. */
  mapping?: DeviceMapping<SlotHandle, SlotAssignment, DmaBuf>;
}

/** Where a slot's buffer is: `idle` (ours, not queued), `queued` (the driver's), `dequeued` (handed out as a frame). */
export type SlotState = 'idle' | 'queued' | 'dequeued';

/**
 * A V4L2 buffer index bound to the dma-buf(s) attached to it. The same
 * buffers always go back to the same index, so the kernel keeps its import
 * (vb2 re-imports only when the fd behind an index changes).
 */
export class V4l2Slot {
  /** The V4L2 buffer index. */
  readonly index: number;
  /** One entry per memory plane, in plane order. */
  readonly planes: readonly SlotPlane[];
  /** Identity of the buffers, for finding the slot of a buffer again. */
  readonly key: string;
  /** Where the buffer is now: ours (idle), the driver's (queued) or handed out as a frame (dequeued). */
  state: SlotState = 'idle';
  /** How many times this slot was queued. */
  queuedCount = 0;

  /** @internal made by V4l2Queue */
  constructor(index: number, planes: readonly SlotPlane[], key: string) {
    this.index = index;
    this.planes = planes;
    this.key = key;
  }

  /** The dma-buf of plane 0. */
  get buffer(): DmaBuf | undefined {
    return this.planes[0]?.buffer;
  }

  /** The dma-buf of each memory plane. */
  get buffers(): DmaBuf[] {
    return this.planes.map((p) => p.buffer);
  }
}

export function slotKey(planes: readonly { buffer: DmaBuf; offset: number }[]): string {
  return planes.map((p) => `${p.buffer.identity}+${p.offset}`).join('|');
}
