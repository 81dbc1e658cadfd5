import { describe, expect, it } from 'vitest';
import { ERRNO, errnoName, errnoValue, SystemError } from '../src/index.js';

/** Linux's numbers (include/uapi/asm-generic/errno-base.h and errno.h: x86-64, aarch64 and armv7 alike). */
const LINUX = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  ENODEV: 19,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ENOSPC: 28,
  EPIPE: 32,
  ENOSYS: 38,
  EBADFD: 77,
  EOPNOTSUPP: 95,
  EADDRINUSE: 98,
  ECONNRESET: 104,
  ETIMEDOUT: 110,
  EREMOTEIO: 121,
  ECANCELED: 125,
} as const;

describe('errno names', () => {
  it('names the Linux errnos Node does not list (udmabuf returns EBADFD)', () => {
    expect(errnoName(77)).toBe('EBADFD');
    expect(errnoValue('EBADFD')).toBe(77);
    expect(new SystemError('x', 77, 'ioctl(UDMABUF_CREATE)').code).toBe('EBADFD');
    expect(errnoName(22)).toBe('EINVAL');
    expect(errnoName(4000)).toBe('E4000');
  });
});

describe('ERRNO', () => {
  it("holds Linux's numbers, the extras included", () => {
    for (const [name, value] of Object.entries(LINUX))
      expect([name, ERRNO[name as keyof typeof LINUX]]).toEqual([name, value]);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(ERRNO)).toBe(true);
    expect(() => {
      (ERRNO as Record<string, number>).EINVAL = 0;
    }).toThrow(TypeError);
    expect(ERRNO.EINVAL).toBe(22);
  });

  it('agrees with errnoValue and errnoName on every name', () => {
    for (const [name, value] of Object.entries(ERRNO)) {
      expect(errnoValue(name)).toBe(value);
      expect(errnoValue(errnoName(value))).toBe(value);
    }
    expect(Object.keys(ERRNO).every((name) => /^E[A-Z0-9]+$/.test(name))).toBe(true);
  });
});
