// The kernel's own buffers of an MMAP queue, out of it: EXPBUF (a dma-buf
// fd) and QUERYBUF + mmap (a CPU view through the device fd).
import { assertUint, type DmaBuf, ERRNO, type Framework, mmapFd } from '@dmabuf/core';
import { DeviceBufferView } from './buffer-view.js';
import { MEMORY, type MemoryKind } from './constants.js';
import type { PixFormat } from './format.js';
import { v4l2 } from './native.js';
import type { QueueHost } from './queue-types.js';
import { checkIoctl } from './stream.js';

/** @internal What exporting needs of a queue. */
export interface ExportingQueue {
  readonly name: string;
  readonly memory: MemoryKind;
  readonly format: PixFormat;
  readonly count: number;
  readonly planeCount: number;
}

/**
 * framework.export() of a V4L2 buffer, allocated at once: an export without a size is pending
 * until first use, so EXPBUF (and its refusal: EMFILE with no fd free, ENODEV) would come later
 * from fd() or mmap(). A refused export is put back: nothing is left in the framework.
 */
export function exportNow(
  framework: Framework,
  options: { queue: unknown; index: number; plane: number },
): DmaBuf {
  const buf = framework.export({ exporter: 'v4l2', options });
  try {
    return buf.allocate();
  } catch (e) {
    if (!buf.released) buf.put();
    throw e;
  }
}

/** EXPBUF of buffer `index` plane `plane` (see V4l2Queue.exportFd). */
export function exportPlaneFd(
  host: QueueHost,
  type: number,
  q: ExportingQueue,
  index: number,
  plane: number,
): number {
  assertUint('index', index, q.count - 1);
  assertUint('plane', plane, q.planeCount - 1);
  return checkIoctl(
    host,
    q.name,
    v4l2().expbuf(host.fd, type, index, plane),
    'VIDIOC_EXPBUF',
    `cannot export buffer index ${index} plane ${plane}`,
    (errno) =>
      errno === ERRNO.EINVAL && q.memory !== 'mmap'
        ? "Only MMAP buffers can be exported: open the queue with memory: 'mmap'"
        : undefined,
  );
}

/** QUERYBUF for the plane's offset, then mmap of the device fd (see V4l2Queue.mapBuffer). */
export function mapPlane(
  host: QueueHost,
  type: number,
  q: ExportingQueue,
  index: number,
  plane: number,
  writable: boolean,
): DeviceBufferView {
  assertUint('index', index, q.count - 1);
  assertUint('plane', plane, q.planeCount - 1);
  const info = checkIoctl(
    host,
    q.name,
    v4l2().querybuf(host.fd, type, MEMORY[q.memory], index),
    'VIDIOC_QUERYBUF',
    `cannot query buffer index ${index}`,
  );
  const p = info.planes[plane];
  const length = p?.length || q.format.planes[plane]!.sizeimage;
  const ab = mmapFd(host.fd, p?.memOffset ?? 0, length, writable, {
    what: `${q.name}: cannot map buffer index ${index} plane ${plane}`,
    hint: (errno) =>
      errno === ERRNO.EINVAL && q.memory !== 'mmap'
        ? "Only MMAP buffers can be mapped through the device; map the dma-buf you queued (buf.cpuAccess('read'))"
        : undefined,
  });
  return new DeviceBufferView(index, plane, ab);
}
