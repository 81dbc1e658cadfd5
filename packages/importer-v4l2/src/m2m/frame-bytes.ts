// The payload of a dequeued frame, copied into JavaScript memory: through its
// dma-buf when it has one (DMABUF queue, or exported MMAP buffers), else
// through the device fd (an MMAP buffer mapped with QUERYBUF's offset).

import { invalidArgument } from '@dmabuf/core';
import { V4l2Frame } from '../frame.js';
import { V4l2Queue } from '../queue.js';

/** Copy the first `bytesUsed` bytes of plane 0 of `frame` (a new Uint8Array the caller owns). */
export function copyFrameBytes(queue: V4l2Queue, frame: V4l2Frame): Uint8Array {
  if (!(queue instanceof V4l2Queue))
    throw invalidArgument('queue', 'a V4l2Queue (device.queue(kind))', queue);
  if (!(frame instanceof V4l2Frame))
    throw invalidArgument('frame', 'a V4l2Frame (from queue.frames())', frame);
  const n = frame.bytesUsed;
  const buf = frame.buffer;
  if (buf) {
    using access = buf.cpuAccess('read');
    return access.bytes.slice(0, n);
  }
  using view = queue.mapBuffer(frame.index);
  return view.bytes.slice(0, n);
}
