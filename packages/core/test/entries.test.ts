import { describe, expect, it } from 'vitest';
import * as driver from '../src/driver-kit.js';
import * as main from '../src/index.js';
import {
  closeFd,
  createMemfd,
  DmaBufError,
  liveMappings,
  mmapFd,
  munmapBuffer,
  openFdCount,
  SystemError,
  setDmaBufName,
  statFd,
  syncDmaBuf,
} from '../src/index.js';
import * as plugin from '../src/plugin-contract.js';

describe('public entries', () => {
  it('@dmabuf/core/plugin holds the contract: types, and TOKENS as its only value', () => {
    expect(Object.keys(plugin)).toEqual(['TOKENS']);
    expect(plugin.TOKENS).toBe(main.TOKENS);
  });

  it('@dmabuf/core/driver holds what a driver with an addon of its own needs: loadAddon, check, its debug log, the watcher and memfd bits', () => {
    expect(Object.keys(driver).sort()).toEqual([
      'FdWatcher',
      'POLL_BITS',
      'check',
      'debugLog',
      'debugSection',
      'loadAddon',
      'memfdBits',
      'traceAddon',
    ]);
    expect(() => driver.check(-13, 'open', 'cannot open x', 'Ask for access')).toThrow(
      expect.objectContaining({ code: 'EACCES', errno: 13, syscall: 'open', hint: 'Ask for access' }),
    );
    expect(driver.check(5, 'open', 'cannot open x')).toBe(5);
  });

  it("memfdBits gives the kernel's memfd_create flags and F_SEAL_* bits (linux/memfd.h, linux/fcntl.h)", () => {
    // MFD_ALLOW_SEALING 2, MFD_HUGETLB 4; F_SEAL_SEAL 1, SHRINK 2, GROW 4, WRITE 8, FUTURE_WRITE 16
    expect(driver.memfdBits()).toEqual({ flags: 2, seals: 0 });
    expect(driver.memfdBits({ allowSealing: false, hugetlb: true })).toEqual({ flags: 4, seals: 0 });
    expect(driver.memfdBits({ hugetlb: true, seals: ['shrink', 'grow', 'seal'] })).toEqual({
      flags: 6,
      seals: 7,
    });
    expect(driver.memfdBits({ seals: ['write', 'future-write'] }).seals).toBe(24);
    expect(() => driver.memfdBits({ seals: ['nope' as never] })).toThrow(
      expect.objectContaining({ code: 'EINVAL', message: expect.stringMatching(/seals\[0\]/) }),
    );
    expect(() => driver.memfdBits(7 as never)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('the main entry has no raw addon and no plumbing', () => {
    for (const name of [
      'native',
      'CoreAddon',
      'check',
      'callHook',
      'callHookAsync',
      'loadAddon',
      'traceAddon',
    ]) {
      expect(Object.keys(main)).not.toContain(name);
    }
  });
});

describe('typed fd calls', () => {
  it('statFd, mmapFd and munmapBuffer: a mapping shares the file, and is detached on unmap', () => {
    const before = openFdCount();
    const mappings = liveMappings();
    const fd = createMemfd('entries-test', 8192);
    try {
      const st = statFd(fd);
      expect(st.size).toBe(8192);
      expect(st.ino).toBeGreaterThan(0);
      const ab = mmapFd(fd, 4096, 4096, true);
      expect(liveMappings()).toBe(mappings + 1);
      new Uint8Array(ab)[0] = 7;
      const ro = mmapFd(fd, 0, 8192, false);
      expect(new Uint8Array(ro)[4096]).toBe(7);
      munmapBuffer(ro);
      munmapBuffer(ab);
      expect(ab.byteLength).toBe(0);
      expect(liveMappings()).toBe(mappings);
      expect(() => mmapFd(fd, 1, 4096, false)).toThrow(
        expect.objectContaining({ code: 'EINVAL', syscall: 'mmap' }),
      );
      expect(() => mmapFd(fd, 0, 0, false)).toThrow(DmaBufError);
      expect(() => munmapBuffer({} as ArrayBuffer)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    } finally {
      closeFd(fd);
    }
    expect(() => statFd(fd)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'fstat' }));
    expect(openFdCount()).toBe(before);
  });

  it('syncDmaBuf and setDmaBufName check their arguments in TS, and a file that is no dma-buf is refused by the kernel (ENOTTY)', () => {
    const fd = createMemfd('entries-test', 4096);
    try {
      expect(() => syncDmaBuf(fd, 'sideways' as never, 'start')).toThrow(
        expect.objectContaining({ code: 'EINVAL' }),
      );
      expect(() => syncDmaBuf(fd, 'read', 'middle' as never)).toThrow(
        expect.objectContaining({ code: 'EINVAL' }),
      );
      const e = (() => {
        try {
          syncDmaBuf(fd, 'read', 'start', { what: 'sync of a memfd', hint: (errno) => `errno ${errno}` });
        } catch (err) {
          return err as SystemError;
        }
        throw new Error('the kernel accepted it');
      })();
      expect(e).toBeInstanceOf(SystemError);
      expect(e).toMatchObject({ code: 'ENOTTY', syscall: 'ioctl(DMA_BUF_IOCTL_SYNC)', hint: 'errno 25' });
      expect(e.message).toContain('sync of a memfd');
      expect(() => setDmaBufName(fd, 'é'.repeat(16))).toThrow(/longer than 31 bytes/);
      expect(() => setDmaBufName(fd, 'memfd')).toThrow(
        expect.objectContaining({ code: 'ENOTTY', syscall: 'ioctl(DMA_BUF_SET_NAME)' }),
      );
    } finally {
      closeFd(fd);
    }
  });
});
