import { ERRNO } from './errno.js';
import { invalidArgument } from './errors.js';
import { native, type RawStat } from './native.js';
import { check } from './syscall.js';
import { assertFd } from './validate.js';

// The messages below are built only when a call fails: these run once or
// more per buffer, and a template string is an allocation.

/** @internal Load the core addon now (Framework.create fails early with NativeLoadError). */
export function loadCoreAddon(): void {
  native();
}

/** dup(fd) with O_CLOEXEC; the caller owns the new fd. */
export function dupFd(fd: number): number {
  assertFd('fd', fd);
  const r = native().dup(fd);
  if (r < 0)
    check(r, 'fcntl(F_DUPFD_CLOEXEC)', `cannot duplicate fd ${fd}`, (errno) =>
      errno === ERRNO.EBADF ? 'Pass an open file descriptor' : undefined,
    );
  return r;
}

/** close(fd). Closing an fd that is not open is an error (EBADF), never silent. */
export function closeFd(fd: number): void {
  assertFd('fd', fd);
  const r = native().close(fd);
  if (r < 0) check(r, 'close', `cannot close fd ${fd}`, 'Close each fd exactly once');
}

/** Identity of the open file behind an fd: the same for every fd of one dma-buf. */
export interface FdIdentity {
  /** The device of the file (for a dma-buf, the dma-buf pseudo-filesystem). */
  dev: number;
  /** The inode: with dev, the buffer's identity. */
  ino: number;
  /** `${dev}:${ino}`, usable as a Map key. */
  key: string;
}

/** The identity (dev, ino) of the open file behind `fd`: equal for every fd of one dma-buf. One fstat. */
export function fdIdentity(fd: number): FdIdentity {
  const st = statFd(fd);
  return { dev: st.dev, ino: st.ino, key: `${st.dev}:${st.ino}` };
}

/** What fstat says of an fd: device and inode (the identity), mode, size, rdev. */
export interface FdStat {
  /** The device of the file (its filesystem; for a dma-buf, the dma-buf pseudo-filesystem). */
  readonly dev: number;
  /** The inode: with `dev`, the buffer's identity. */
  readonly ino: number;
  /** File type and permission bits (st_mode). */
  readonly mode: number;
  /** st_size (a dma-buf reports its size here on recent kernels; 0 on older ones). */
  readonly size: number;
  /** The device number a device node stands for (st_rdev). */
  readonly rdev: number;
}

/** fstat(fd), checked. */
export function statFd(fd: number): FdStat {
  assertFd('fd', fd);
  const st = native().fstat(fd);
  if (typeof st === 'number')
    return check<RawStat>(st, 'fstat', `cannot stat fd ${fd}`, 'Pass an open file descriptor');
  return st;
}

/**
 * @internal The key of an identity in the framework's table: the number
 * dev * 2^32 + ino when that is exact (dev < 2^21, ino < 2^32: every real
 * device and inode number), else the `dev:ino` string. No string is made for
 * the usual case; a number never equals a string, so the two cannot collide.
 */
export function identityKey(dev: number, ino: number): number | string {
  return dev < 0x200000 && ino < 0x100000000 ? dev * 0x100000000 + ino : `${dev}:${ino}`;
}

/** lseek whence: from the start. */
export const SEEK_SET = 0;
/** lseek whence: from the current position (a dma-buf refuses it). */
export const SEEK_CUR = 1;
/** lseek whence: from the end (offset 0 gives a dma-buf's size). */
export const SEEK_END = 2;

/** lseek on a dma-buf: only (0, SEEK_SET) and (0, SEEK_END) are allowed by the kernel. */
export function seekFd(fd: number, offset: number, whence: number): number {
  assertFd('fd', fd);
  if (!Number.isSafeInteger(offset)) throw invalidArgument('offset', 'a safe integer', offset);
  if (![SEEK_SET, SEEK_CUR, SEEK_END].includes(whence))
    throw invalidArgument('whence', 'SEEK_SET, SEEK_CUR or SEEK_END', whence);
  return check(
    native().lseek(fd, offset, whence),
    'lseek',
    `cannot seek fd ${fd}`,
    'A dma-buf only supports lseek(fd, 0, SEEK_END) for its size and lseek(fd, 0, SEEK_SET)',
  );
}

/** Size of a dma-buf (or any seekable file) via lseek(SEEK_END); the position is reset to 0. */
export function fdSize(fd: number): number {
  const size = seekFd(fd, 0, SEEK_END);
  seekFd(fd, 0, SEEK_SET);
  return size;
}

const FD_CLOEXEC = 1;

/** Whether close-on-exec is set on fd. */
export function isCloexec(fd: number): boolean {
  assertFd('fd', fd);
  return (
    (check(native().getFdFlags(fd), 'fcntl(F_GETFD)', `cannot read flags of fd ${fd}`) & FD_CLOEXEC) !== 0
  );
}
