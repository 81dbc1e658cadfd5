import { closeFd, Framework, PluginError, plainDevice, readFdInfo, SystemError } from '@dmabuf/core';
import { fdDelta, refusalOf } from '@dmabuf/core/testing';
import { labSuite } from '@dmabuf/lab/suite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeapDevice, HeapError, heapPlugin, listHeaps } from '../src/index.js';

// The cases of the kernel's dma-heap selftest (tools/testing/selftests/dmabuf-heaps)
// through the public API. Where the exporter refuses before the ioctl, the
// same input also goes to the kernel through HeapDevice (which sends what it
// is given) to show both agree.
const MiB = 1024 * 1024;
const O_RDWR = 2;
const O_CLOEXEC = 0o2000000;

labSuite('dma-heap conformance (lab)', { needs: ['dma-heap'] }, () => {
  const plugin = heapPlugin();
  let fw: Framework;
  beforeAll(async () => {
    fw = await Framework.create({ plugins: [plugin] });
    plugin.exporter.device('system').fd(); // the heap node stays open for the framework's life
  });
  afterAll(async () => {
    await fw.close();
  });

  it('enumerates /dev/dma_heap and recognises its heaps by exp_name', () => {
    const heaps = listHeaps();
    expect(heaps.map((h) => h.name)).toContain('system');
    expect(plugin.exporter.heaps()).toEqual(heaps);
    expect(plugin.exporter.expNames).toContain('system');
  });

  it('allocate 1 MiB, mmap, sync, write: a CLOEXEC dma-buf named for its maker, exp_name system', async () => {
    expect(
      await fdDelta(() => {
        using buf = fw.export({ exporter: 'dma-heap', size: MiB });
        const info = readFdInfo(buf.borrowFd());
        expect(info).toMatchObject({ expName: 'system', size: MiB, name: `node:${process.pid}` });
        {
          using w = buf.cpuAccess('write');
          w.bytes.fill(1, 0, MiB / 2);
          w.bytes.fill(0, MiB / 2);
        }
        {
          using rw = buf.cpuAccess('readwrite');
          expect(rw.bytes[MiB / 2 - 1]).toBe(1);
          expect(rw.bytes[MiB / 2]).toBe(0);
          rw.bytes.fill(0xff);
        }
        using att = buf.attach(plainDevice('selftest-device'));
        using m = att.map('to-device');
        expect(m.table.segments).toEqual([{ offset: 0, length: MiB, source: 'heap:system' }]);
      }),
    ).toBe(0);
  });

  it('fresh buffers read back zeroed, even where a released one was dirty', () => {
    for (let round = 0; round < 3; round++) {
      {
        using dirty = fw.export({ exporter: 'dma-heap', size: MiB });
        using w = dirty.cpuAccess('write');
        w.bytes.fill(0xa5);
      }
      using fresh = fw.export({ exporter: 'dma-heap', size: MiB });
      using r = fresh.cpuAccess('read');
      expect(r.bytes.every((b) => b === 0)).toBe(true);
    }
  });

  it('SET_NAME: an export name replaces the default and shows in fdinfo; 32 bytes are refused', () => {
    using buf = fw.export({ exporter: 'dma-heap', size: 64 * 1024, name: 'camera-0' });
    expect(readFdInfo(buf.borrowFd()).name).toBe('camera-0');
    buf.setName('x'.repeat(31));
    expect(readFdInfo(buf.borrowFd()).name).toBe('x'.repeat(31));
    expect(() => buf.setName('x'.repeat(32))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  describe('error cases', () => {
    const raw = new HeapDevice('system', '/dev/dma_heap');
    afterAll(() => raw.close());

    it('invalid heap flags: refused before the ioctl with EINVAL, as the kernel does', () => {
      const e = refusalOf(
        () => fw.export({ exporter: 'dma-heap', size: MiB, options: { heapFlags: 0x111111 } }),
        PluginError,
      );
      expect(e.cause).toBeInstanceOf(HeapError);
      expect(e).toMatchObject({ code: 'EINVAL', errno: 22 });
      expect(() => raw.alloc(MiB, O_RDWR | O_CLOEXEC, 0x111111)).toThrow(
        expect.objectContaining({ code: 'EINVAL', syscall: 'ioctl(DMA_HEAP_IOCTL_ALLOC)' }),
      );
    });

    it('invalid fd flags: the kernel says EINVAL (the exporter only ever asks O_RDWR | O_CLOEXEC)', () => {
      expect(() => raw.alloc(MiB, ~(O_RDWR | O_CLOEXEC) >>> 0, 0)).toThrow(
        expect.objectContaining({ code: 'EINVAL' }),
      );
    });

    it('allocating on something that is not a heap: ENOTTY, explained', () => {
      const notHeap = new HeapDevice('null', '/dev');
      try {
        expect(() => notHeap.alloc(MiB, O_RDWR | O_CLOEXEC)).toThrow(SystemError);
        expect(() => notHeap.alloc(MiB, O_RDWR | O_CLOEXEC)).toThrow(/ENOTTY.*is not a dma-heap/);
      } finally {
        notHeap.close();
      }
    });

    it('a heap that does not exist: ENOENT naming the heaps there are', () => {
      expect(() => fw.export({ exporter: 'dma-heap', size: MiB, options: { heap: 'linux,cma' } })).toThrow(
        /no dma-heap 'linux,cma'.*Use one of: system/,
      );
    });

    it('raw allocation with the right flags works, and gives a CLOEXEC fd', () => {
      const fd = raw.alloc(MiB, O_RDWR | O_CLOEXEC);
      try {
        expect(readFdInfo(fd)).toMatchObject({ expName: 'system', size: MiB });
        expect(readFdInfo(fd).flags & O_CLOEXEC).toBe(O_CLOEXEC);
      } finally {
        closeFd(fd);
      }
    });
  });

  it('bad input leaves no fd and every counter at zero', async () => {
    expect(
      await fdDelta(() => {
        expect(() => fw.export({ exporter: 'dma-heap', size: 2 ** 40 })).toThrow(
          /ENOMEM|more than this machine/,
        );
        expect(() => fw.export({ exporter: 'dma-heap', size: MiB, options: { heap: '../udmabuf' } })).toThrow(
          /is not a heap name/,
        );
        expect(() => fw.export({ exporter: 'dma-heap', size: MiB, options: { heapFlags: 1 } })).toThrow(
          /heap flags 0x1 are not defined/,
        );
      }),
    ).toBe(0);
    expect(plugin.exporter.stats).toEqual({ buffers: 0, attachments: 0, mappings: 0 });
  });
});
