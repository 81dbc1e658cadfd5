import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  closeFd,
  createMemfd,
  DmaBufError,
  Framework,
  fdSize,
  isCloexec,
  mmapFd,
  munmapBuffer,
  PluginError,
  plainDevice,
  readFdInfo,
  SEEK_CUR,
  SystemError,
  sealMemfd,
  seekFd,
} from '@dmabuf/core';
import { fdDelta } from '@dmabuf/core/testing';
import { labSuite } from '@dmabuf/lab/suite';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import {
  availableHugePages,
  exportRanges,
  HUGE_PAGE_SIZE,
  type MemfdRange,
  UdmabufDevice,
  UdmabufError,
  udmabufPlugin,
} from '../src/index.js';

// The cases of the kernel's selftest (tools/testing/selftests/drivers/dma-buf/udmabuf.c)
// and of the driver's own checks, through the public API. Where the exporter
// refuses before the ioctl, the same input is also sent to the kernel
// (UdmabufDevice.create skips the TypeScript checks) to show both agree.
const PAGE = 4096;
const PARAMS = '/sys/module/udmabuf/parameters';

labSuite('udmabuf conformance (lab)', { needs: ['udmabuf'] }, () => {
  let fw: Framework;
  const device = new UdmabufDevice();
  beforeAll(async () => {
    const plugin = udmabufPlugin();
    fw = await Framework.create({ plugins: [plugin] });
    plugin.exporter.device.fd(); // /dev/udmabuf stays open for the framework's life: open it before counting fds
  });
  afterAll(async () => {
    device.close();
    await fw.close();
  });

  /** The exporter's own error behind the core's PluginError. */
  function refusal(fn: () => unknown): UdmabufError {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(PluginError);
      const cause = (e as PluginError).cause;
      expect(cause).toBeInstanceOf(UdmabufError);
      expect((e as PluginError).errno).toBe((cause as UdmabufError).errno);
      return cause as UdmabufError;
    }
    throw new Error('expected a refusal');
  }
  /** What the kernel says to the same range, without the TypeScript checks. */
  function kernelSays(range: Required<MemfdRange>): SystemError {
    try {
      const fd = device.create([{ ...range, source: 'raw' }]);
      closeFd(fd);
    } catch (e) {
      expect(e).toBeInstanceOf(SystemError);
      return e as SystemError;
    }
    throw new Error('the kernel accepted it');
  }
  /** Map a memfd (the caller's side of the selftest) and run fn on its bytes. */
  function withMemfdBytes<T>(memfd: number, size: number, fn: (bytes: Uint8Array) => T): T {
    const ab = mmapFd(memfd, 0, size, true);
    try {
      return fn(new Uint8Array(ab));
    } finally {
      munmapBuffer(ab);
    }
  }
  function writePages(bytes: Uint8Array, pageSize: number, chr: string): void {
    for (let off = 0; off < bytes.length; off += pageSize) bytes[off] = chr.charCodeAt(0);
  }

  describe('selftest cases 1-4: UDMABUF_CREATE', () => {
    let memfd: number;
    beforeAll(() => {
      memfd = createMemfd('udmabuf-test', 4 * PAGE, { seals: ['shrink'] });
    });
    afterAll(() => closeFd(memfd));

    it('1: an offset that is not page aligned is refused with EINVAL, as the kernel does', () => {
      const e = refusal(() => exportRanges(fw, [{ memfd, offset: PAGE / 2, size: PAGE }]));
      expect(e).toMatchObject({ code: 'EINVAL', errno: 22, range: 0 });
      expect(e.message).toContain('not a multiple of the page size');
      expect(kernelSays({ memfd, offset: PAGE / 2, size: PAGE })).toMatchObject({
        code: 'EINVAL',
        syscall: 'ioctl(UDMABUF_CREATE)',
      });
    });

    it('2: a size that is not a multiple of the page is refused with EINVAL, as the kernel does', () => {
      const e = refusal(() => exportRanges(fw, [{ memfd, offset: 0, size: PAGE / 2 }]));
      expect(e).toMatchObject({ code: 'EINVAL', errno: 22 });
      expect(kernelSays({ memfd, offset: 0, size: PAGE / 2 }).code).toBe('EINVAL');
    });

    it('3: an fd that is not a memfd (stdin) is refused with EBADFD, as the kernel does', () => {
      const e = refusal(() => exportRanges(fw, [{ memfd: 0, offset: 0, size: 4 * PAGE }]));
      expect(e).toMatchObject({ code: 'EBADFD', errno: 77 });
      expect(e.message).toMatch(/fd 0 .*is not a memfd/);
      expect(kernelSays({ memfd: 0, offset: 0, size: 4 * PAGE })).toMatchObject({
        code: 'EBADFD',
        errno: 77,
      });
    });

    it('4: a memfd sealed with F_SEAL_SHRINK gives a CLOEXEC dma-buf the kernel names udmabuf', async () => {
      expect(
        await fdDelta(() => {
          withMemfdBytes(memfd, 4 * PAGE, (b) => writePages(b, PAGE, 'a'));
          using buf = exportRanges(fw, [{ memfd, offset: 0, size: 4 * PAGE }], { name: 'selftest-4' });
          const fd = buf.borrowFd();
          expect(isCloexec(fd)).toBe(true);
          expect(fdSize(fd)).toBe(4 * PAGE);
          expect(() => seekFd(fd, 1, SEEK_CUR)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
          const info = readFdInfo(fd);
          expect(info).toMatchObject({ expName: 'udmabuf', size: 4 * PAGE, name: 'selftest-4' });
          using r = buf.cpuAccess('read');
          for (let p = 0; p < 4; p++) expect(r.bytes[p * PAGE]).toBe('a'.charCodeAt(0));
        }),
      ).toBe(0);
    });
  });

  it('5: CREATE_LIST of 4 x 4 pages from a 1024-page memfd sees data written after creation', async () => {
    const memfdPages = 1024;
    const size = memfdPages * PAGE;
    expect(
      await fdDelta(() => {
        const memfd = createMemfd('udmabuf-test', size, { seals: ['shrink'] });
        try {
          withMemfdBytes(memfd, size, (b) => writePages(b, PAGE, 'a'));
          const ranges = [0, 1, 2, 3].map((i) => ({ memfd, offset: i * (size / 4), size: 4 * PAGE }));
          using buf = exportRanges(fw, ranges);
          expect(buf.size).toBe(16 * PAGE);
          using att = buf.attach(plainDevice('selftest-device'));
          using m = att.map();
          expect(m.table.segments.map((s) => [s.offset, s.length])).toEqual(
            [0, 1, 2, 3].map((i) => [i * 4 * PAGE, 4 * PAGE]),
          );
          expect(m.table.segments[2]!.source).toMatch(/^memfd:udmabuf-test#\d+@0x200000$/);
          withMemfdBytes(memfd, size, (b) => writePages(b, PAGE, 'b'));
          using r = buf.cpuAccess('read');
          withMemfdBytes(memfd, size, (b) => {
            let k = 0;
            for (let i = 0; i < 4; i++) {
              for (let j = 0; j < 4; j++, k++) expect(r.bytes[k * PAGE]).toBe(b[i * (size / 4) + j * PAGE]);
            }
          });
          expect(r.bytes[5 * PAGE]).toBe('b'.charCodeAt(0));
        } finally {
          closeFd(memfd);
        }
      }),
    ).toBe(0);
  });

  describe('selftest cases 6-7: hugetlb (scaled to the lab: 16 huge pages, 4 ranges of 2)', () => {
    const hugePages = 16;
    const size = hugePages * HUGE_PAGE_SIZE;
    const ranges = (memfd: number) =>
      [0, 1, 2, 3].map((i) => ({ memfd, offset: i * (size / 4), size: 2 * HUGE_PAGE_SIZE }));
    /** Runs `fn` on a fresh hugetlb memfd of `size` (skipped without enough free huge pages); no fd may be left open. */
    async function onHugeMemfd(ctx: TestContext, fn: (memfd: number) => void): Promise<void> {
      if (availableHugePages() < hugePages)
        ctx.skip(
          `needs ${hugePages} free 2 MiB huge pages, ${availableHugePages()} are (the lab reserves 32: DMABUF_LAB_HUGEPAGES)`,
        );
      expect(
        await fdDelta(() => {
          const memfd = createMemfd('udmabuf-test', size, { hugetlb: true, seals: ['shrink'] });
          try {
            fn(memfd);
          } finally {
            closeFd(memfd);
          }
        }),
      ).toBe(0);
    }
    function compare(buf: { cpuAccess(m: 'read'): { bytes: Uint8Array } & Disposable }, memfd: number): void {
      using r = buf.cpuAccess('read');
      withMemfdBytes(memfd, size, (b) => {
        let k = 0;
        for (let i = 0; i < 4; i++) {
          for (let j = 0; j < 2; j++, k++) {
            expect(r.bytes[k * HUGE_PAGE_SIZE]).toBe(b[i * (size / 4) + j * HUGE_PAGE_SIZE]);
            expect(r.bytes[k * HUGE_PAGE_SIZE]).toBe('b'.charCodeAt(0));
          }
        }
      });
    }

    it('6: write, create, write again: the dma-buf sees the second write', async (ctx) => {
      await onHugeMemfd(ctx, (memfd) => {
        withMemfdBytes(memfd, size, (b) => writePages(b, HUGE_PAGE_SIZE, 'a'));
        using buf = exportRanges(fw, ranges(memfd));
        expect(buf.size).toBe(8 * HUGE_PAGE_SIZE);
        withMemfdBytes(memfd, size, (b) => writePages(b, HUGE_PAGE_SIZE, 'b'));
        compare(buf, memfd);
      });
    });

    it('7: create (pin) before the first write, then write: the dma-buf sees it', async (ctx) => {
      await onHugeMemfd(ctx, (memfd) => {
        using buf = exportRanges(fw, ranges(memfd));
        withMemfdBytes(memfd, size, (b) => {
          writePages(b, HUGE_PAGE_SIZE, 'a');
          writePages(b, HUGE_PAGE_SIZE, 'b');
        });
        compare(buf, memfd);
      });
    });

    it('own memfd on huge pages: hugetlb: true, and contiguous within one huge page', async (ctx) => {
      if (availableHugePages() < 2) ctx.skip(`needs 2 free huge pages, ${availableHugePages()} are`);
      expect(
        await fdDelta(() => {
          using big = fw.export({ exporter: 'udmabuf', size: 3 * 1024 * 1024, options: { hugetlb: true } });
          expect(big.size).toBe(3 * 1024 * 1024);
          {
            using w = big.cpuAccess('write');
            w.bytes.fill(0x5a);
          }
          {
            using r = big.cpuAccess('read');
            expect(r.bytes[3 * 1024 * 1024 - 1]).toBe(0x5a);
          }
          expect(() => big.attach(plainDevice('dma-engine', { contiguous: true }))).toThrow(
            /needs physically contiguous memory/,
          );
          using small = fw.export({ exporter: 'udmabuf', size: 64 * 1024, options: { hugetlb: true } });
          using att = small.attach(plainDevice('dma-engine', { contiguous: true }));
          expect(att.attached).toBe(true);
        }),
      ).toBe(0);
    });
  });

  describe('seals, as the driver checks them', () => {
    it('a memfd without F_SEAL_SHRINK is refused (EINVAL, as the kernel), naming the seal', () => {
      const memfd = createMemfd('udmabuf-unsealed', 4 * PAGE);
      try {
        const e = refusal(() => exportRanges(fw, [{ memfd }]));
        expect(e).toMatchObject({ code: 'EINVAL', seal: 'F_SEAL_SHRINK' });
        expect(kernelSays({ memfd, offset: 0, size: 4 * PAGE }).code).toBe('EINVAL');
        sealMemfd(memfd, ['shrink']);
        exportRanges(fw, [{ memfd }]).put();
      } finally {
        closeFd(memfd);
      }
    });

    it('F_SEAL_WRITE is refused (EINVAL, as the kernel)', () => {
      const memfd = createMemfd('udmabuf-write-sealed', 4 * PAGE, { seals: ['shrink', 'write'] });
      try {
        expect(refusal(() => exportRanges(fw, [{ memfd }])).seal).toBe('F_SEAL_WRITE');
        expect(kernelSays({ memfd, offset: 0, size: 4 * PAGE }).code).toBe('EINVAL');
      } finally {
        closeFd(memfd);
      }
    });

    it('a memfd made without MFD_ALLOW_SEALING cannot be sealed (EPERM), and the refusal says so', () => {
      const memfd = createMemfd('udmabuf-no-sealing', 4 * PAGE, { allowSealing: false });
      try {
        expect(() => sealMemfd(memfd, ['shrink'])).toThrow(
          expect.objectContaining({ code: 'EPERM', message: expect.stringContaining('MFD_ALLOW_SEALING') }),
        );
        expect(refusal(() => exportRanges(fw, [{ memfd }])).message).toContain('MFD_ALLOW_SEALING');
      } finally {
        closeFd(memfd);
      }
    });
  });

  describe('module limits', () => {
    const fakeParams = mkdtempSync(join(tmpdir(), 'udmabuf-params-'));
    writeFileSync(join(fakeParams, 'size_limit_mb'), '1024\n');
    writeFileSync(join(fakeParams, 'list_limit'), '100000\n');
    function withParam(name: string, value: string, fn: () => void): void {
      const old = readFileSync(join(PARAMS, name), 'utf8').trim();
      writeFileSync(join(PARAMS, name), value);
      try {
        fn();
      } finally {
        writeFileSync(join(PARAMS, name), old);
      }
    }

    it('reads the real module parameters', () => {
      const plugin = udmabufPlugin();
      expect(plugin.exporter.limits.current()).toEqual({ sizeLimitMb: 64, listLimit: 1024, source: 'sysfs' });
    });

    it('size_limit_mb lowered at run time: refused naming the parameter (from the kernel EINVAL, then before the ioctl)', async () => {
      const unchecked = udmabufPlugin({ paramsDir: fakeParams });
      await using fw2 = await Framework.create({ plugins: [unchecked] });
      withParam('size_limit_mb', '1', () => {
        const e = refusal(() => fw.export({ exporter: 'udmabuf', size: 2 * 1024 * 1024 }));
        expect(e).toMatchObject({ code: 'EINVAL', limit: 'size_limit_mb' });
        expect(e.message).toContain(`echo 2 > ${PARAMS}/size_limit_mb`);
        // lowered after the exporter cached 64: the kernel's EINVAL is explained as the limit
        expect(e.syscall).toBe('ioctl(UDMABUF_CREATE)');
        // now known: refused before the ioctl
        const again = refusal(() => fw.export({ exporter: 'udmabuf', size: 2 * 1024 * 1024 }));
        expect(again).toMatchObject({ code: 'EINVAL', limit: 'size_limit_mb', syscall: undefined });
        const k = (() => {
          try {
            fw2.export({ exporter: 'udmabuf', size: 2 * 1024 * 1024 });
          } catch (err) {
            return err as PluginError;
          }
          throw new Error('the kernel accepted a buffer over size_limit_mb');
        })();
        expect(k).toMatchObject({ code: 'EINVAL', errno: 22, syscall: 'ioctl(UDMABUF_CREATE)' });
        expect(k.message).toContain('size_limit_mb');
      });
      expect(unchecked.exporter.stats.buffers).toBe(0);
    });

    it('list_limit lowered at run time: refused naming the parameter; the kernel alone says EINVAL', async () => {
      const memfd = createMemfd('udmabuf-list', 8 * PAGE, { seals: ['shrink'] });
      try {
        const ranges = [0, 1, 2].map((i) => ({ memfd, offset: i * PAGE, size: PAGE }));
        await using fw2 = await Framework.create({ plugins: [udmabufPlugin({ paramsDir: fakeParams })] });
        withParam('list_limit', '2', () => {
          const e = refusal(() => exportRanges(fw, ranges));
          expect(e).toMatchObject({ code: 'EINVAL', limit: 'list_limit' });
          expect(() => exportRanges(fw2, ranges)).toThrow(
            expect.objectContaining({ code: 'EINVAL', syscall: 'ioctl(UDMABUF_CREATE_LIST)' }),
          );
        });
        exportRanges(fw, ranges).put();
      } finally {
        closeFd(memfd);
      }
    });
  });

  // (Adoption by exp_name in another framework is a case of the exporter contract.)
  it('a received udmabuf buffer maps as one range named after where it came from', async () => {
    await using other = await Framework.create({ plugins: [udmabufPlugin()] });
    using buf = fw.export({ exporter: 'udmabuf', size: 8 * PAGE });
    const fd = buf.fd();
    try {
      using got = other.get(fd);
      using att = got.attach(plainDevice('receiver'));
      using m = att.map();
      expect(m.table.segments).toEqual([{ offset: 0, length: 8 * PAGE, source: 'udmabuf (received)' }]);
    } finally {
      closeFd(fd);
    }
  });

  it('bad input leaves no fd and every counter at zero', async () => {
    const plugin = udmabufPlugin();
    await using fw2 = await Framework.create({ plugins: [plugin] });
    fw2.export({ exporter: 'udmabuf', size: PAGE }).put(); // opens /dev/udmabuf once
    expect(
      await fdDelta(() => {
        expect(() => fw2.export({ exporter: 'udmabuf', size: 100 * 1024 * 1024 })).toThrow(DmaBufError);
        expect(() =>
          fw2.export({ exporter: 'udmabuf', size: PAGE, options: { ranges: [{ memfd: 0 }] } }).allocate(),
        ).toThrow(DmaBufError);
        expect(() => fw2.export({ exporter: 'udmabuf', size: PAGE, options: { bogus: 1 } })).toThrow(
          DmaBufError,
        );
      }),
    ).toBe(0);
    expect(plugin.exporter.stats).toEqual({ buffers: 0, attachments: 0, mappings: 0, cpuAccess: 0 });
  });
});
