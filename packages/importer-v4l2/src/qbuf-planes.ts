// QBUF planes of a slot.
import { assertUint, invalidArgument } from '@dmabuf/core';
import type { MemoryKind } from './constants.js';
import type { PixFormat } from './format.js';
import type { QueueBufferOptions } from './frame.js';
import type { RawBuffer, RawQueuePlane } from './native.js';
import type { QueuedBuffer } from './queue-types.js';
import type { V4l2Slot } from './slot.js';

/**
 * The planes QBUF gets for a slot: the dma-buf fds and lengths (DMABUF) or
 * nothing but payloads (MMAP); for output queues the payload sizes
 * (`bytesUsed`, checked against the format's sizeimage), which capture
 * queues may not give.
 */
export function qbufPlanes(
  slot: V4l2Slot,
  output: boolean,
  used: QueueBufferOptions['bytesUsed'],
  queue: { readonly memory: MemoryKind; readonly format: PixFormat; readonly planeCount: number },
): RawQueuePlane[] {
  if (used !== undefined) {
    if (!output)
      throw invalidArgument(
        'options.bytesUsed',
        'nothing: a capture queue gets the payload size from the device',
        used,
      );
    const list = typeof used === 'number' ? [used] : used;
    if (!Array.isArray(list) || list.length !== queue.planeCount)
      throw invalidArgument('options.bytesUsed', `${queue.planeCount} payload size(s)`, used);
    list.forEach((n, i) => {
      assertUint(`options.bytesUsed[${i}]`, n, queue.format.planes[i]!.sizeimage);
    });
  }
  const payload = (i: number) =>
    (typeof used === 'number' ? used : used?.[i]) ?? queue.format.planes[i]!.sizeimage;
  if (queue.memory === 'mmap') {
    return queue.format.planes.map((_, i) => ({
      length: 0,
      bytesused: output ? payload(i) : 0,
      dataOffset: 0,
    }));
  }
  return slot.planes.map((p, i) => ({
    fd: p.buffer.borrowFd(),
    length: p.buffer.size,
    bytesused: output ? p.offset + payload(i) : 0,
    dataOffset: output ? p.offset : 0,
  }));
}

/** What QBUF answered, as a queue's caller sees it. */
export function queuedBuffer(r: RawBuffer): QueuedBuffer {
  return {
    index: r.index,
    flags: r.flags,
    planes: r.planes.map((p) => ({
      ...(p.fd !== undefined ? { fd: p.fd } : {}),
      length: p.length,
      bytesUsed: p.bytesused,
      dataOffset: p.dataOffset,
    })),
  };
}
