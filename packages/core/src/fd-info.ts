import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { ERRNO } from './errno.js';
import { invalidArgument, SystemError } from './errors.js';
import { assertFd } from './validate.js';

/** What /proc/self/fdinfo and /proc/self/fd say about an fd. */
export interface FdInfo {
  /** The fd read. */
  fd: number;
  /** The kernel exporter's name ('udmabuf', 'drm', 'virtio_gpu', 'system', ...), if a dma-buf. */
  expName?: string;
  /** The buffer's name set with DMA_BUF_SET_NAME, if any. */
  name?: string;
  /** Size from fdinfo (dma-bufs only). */
  size?: number;
  /** Inode from fdinfo (dma-bufs only). */
  ino?: number;
  /** open flags (octal in fdinfo). */
  flags: number;
  /** readlink(/proc/self/fd/N), e.g. '/dmabuf:' or '/memfd:x (deleted)'. */
  link: string;
}

/** Read /proc/self/fdinfo/<fd>; throws SystemError(EBADF) for a closed fd. */
export function readFdInfo(fd: number): FdInfo {
  assertFd('fd', fd);
  let text: string;
  let link: string;
  try {
    text = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    link = readlinkSync(`/proc/self/fd/${fd}`);
  } catch (cause) {
    const errno = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? ERRNO.EBADF : ERRNO.EIO;
    throw new SystemError(
      `fd ${fd} cannot be inspected`,
      errno,
      'read(/proc/self/fdinfo)',
      'Pass an open file descriptor',
      cause,
    );
  }
  const info: FdInfo = { fd, flags: 0, link };
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    switch (key) {
      case 'exp_name':
        info.expName = value;
        break;
      case 'name':
        info.name = value;
        break;
      case 'size':
        info.size = Number(value);
        break;
      case 'ino':
        info.ino = Number(value);
        break;
      case 'flags':
        info.flags = Number.parseInt(value, 8);
        break;
    }
  }
  return info;
}

/** Count of open fds of this process (for leak checks). */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/**
 * Throw InvalidArgumentError unless `value` has the shape readFdInfo() gives (fd, flags, link, and
 * expName/name strings when present): what an exporter's adopt or matches hook is handed.
 */
export function assertFdInfo(name: string, value: unknown): asserts value is FdInfo {
  const v = value as Partial<Record<keyof FdInfo, unknown>>;
  const ok =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof v.fd === 'number' &&
    typeof v.flags === 'number' &&
    typeof v.link === 'string' &&
    (v.expName === undefined || typeof v.expName === 'string') &&
    (v.name === undefined || typeof v.name === 'string');
  if (!ok) throw invalidArgument(name, 'an FdInfo (readFdInfo(fd))', value);
}
