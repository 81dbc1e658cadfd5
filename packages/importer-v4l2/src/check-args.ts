import { invalidArgument } from '@dmabuf/core';

// Argument checks of the pure V4L2 helpers: an InvalidArgumentError naming the argument, before a
// field of it is read.

/** A PixFormat (device.format(queue), queue.format): planes with bytesperline and sizeimage. */
export function assertPixFormat(name: string, v: unknown): void {
  const f = v as { pixelformat?: unknown; planes?: { bytesperline?: unknown; sizeimage?: unknown }[] } | null;
  if (
    typeof f !== 'object' ||
    f === null ||
    typeof f.pixelformat !== 'string' ||
    !Array.isArray(f.planes) ||
    !f.planes.every(
      (p) =>
        typeof p === 'object' &&
        p !== null &&
        Number.isSafeInteger(p.bytesperline) &&
        Number.isSafeInteger(p.sizeimage),
    )
  )
    throw invalidArgument(name, 'a PixFormat (from device.format(queue) or queue.format)', v);
}

/** An unsigned 32-bit value (capability bits, fourcc codes). */
export function assertU32(name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw invalidArgument(name, 'an unsigned 32-bit integer', v);
}
