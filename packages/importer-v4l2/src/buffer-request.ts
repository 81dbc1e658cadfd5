// REQBUFS: the buffers a queue gets from the driver, for its current format.
import { assertPositive, DmaBufError, ERRNO, SystemError } from '@dmabuf/core';
import { type BufferCapabilities, decodeBufferCapabilities } from './capabilities.js';
import { MEMORY, type MemoryKind } from './constants.js';
import { formatFromRaw, type PixFormat } from './format.js';
import { v4l2 } from './native.js';

/** What a queue was given when it opened. */
export interface BufferGrant {
  /** The format (G_FMT): S_FMT is refused while buffers exist. */
  format: PixFormat;
  capabilities: BufferCapabilities;
  /** Buffer indices the driver gave (> 0). */
  count: number;
}

/**
 * G_FMT, then REQBUFS for `want` buffers of `memory`. A driver without
 * DMABUF support is named as such (the REQBUFS capability bits say so), an
 * EBUSY says who owns the buffers. `check` turns a result into a value the
 * queue's way (ENODEV: the device is lost).
 */
export function requestBuffers(
  fd: number,
  type: number,
  memory: MemoryKind,
  want: number,
  name: string,
  check: <T>(r: T | number, ioctl: string, what: string, hint?: (errno: number) => string | undefined) => T,
): BufferGrant {
  assertPositive('options.count', want, 32);
  const format = formatFromRaw(check(v4l2().getFormat(fd, type), 'VIDIOC_G_FMT', 'cannot read the format'));
  const r = v4l2().reqbufs(fd, type, MEMORY[memory], want);
  if (r === -ERRNO.EINVAL && memory === 'dmabuf') {
    const caps = v4l2().reqbufs(fd, type, MEMORY.mmap, 0);
    const dmabuf =
      typeof caps === 'number'
        ? 'unknown'
        : decodeBufferCapabilities(caps.capabilities).dmabuf
          ? 'set'
          : 'not set';
    throw new SystemError(
      `${name}: the driver refuses DMABUF buffers (V4L2_BUF_CAP_SUPPORTS_DMABUF ${dmabuf})`,
      ERRNO.EINVAL,
      'ioctl(VIDIOC_REQBUFS)',
      "Use memory: 'mmap' and export the buffers (queue.exportBuffers()), or copy",
    );
  }
  const rb = check(r, 'VIDIOC_REQBUFS', `cannot request ${want} ${memory} buffers`, (errno) =>
    errno === ERRNO.EBUSY
      ? 'Another process (or another queue on this fd) owns the buffers; close it first'
      : undefined,
  );
  if (rb.count === 0) {
    throw new DmaBufError(`${name}: the driver gave no buffers`, {
      code: 'ENOMEM',
      hint: 'Ask for fewer or smaller buffers',
    });
  }
  return { format, capabilities: decodeBufferCapabilities(rb.capabilities), count: rb.count };
}
