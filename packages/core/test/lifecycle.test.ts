import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DmaBufError,
  Framework,
  type Importer,
  LifecycleError,
  NegotiationError,
  openFdCount,
  PluginError,
  plainDevice,
  ReleasedError,
} from '../src/index.js';
import { type MemfdExporter, memfdExporterPlugin, refusalOf } from '../src/testing/index.js';

let fw: Framework;
let exporter: MemfdExporter;
let fdsBefore: number;

beforeEach(async () => {
  fdsBefore = openFdCount();
  const plugin = memfdExporterPlugin({ refuse: ['unreachable-device'] });
  exporter = plugin.exporter;
  fw = await Framework.create({ plugins: [plugin] });
});

afterEach(async () => {
  await fw.close();
  expect(openFdCount()).toBe(fdsBefore);
});

describe('lifecycle order', () => {
  it('calls exporter hooks in order: allocate, attach, map, unmap, detach, release', () => {
    const buf = fw.export({ size: 8192 });
    const att = buf.attach(plainDevice('dev'));
    att.map('from-device').unmap();
    att.detach();
    buf.put();
    expect(exporter.calls.map((c) => c.hook)).toEqual([
      'allocate',
      'attach',
      'map',
      'unmap',
      'detach',
      'release',
    ]);
    expect(exporter.calls[2]?.detail).toBe('from-device');
  });

  it('importer hooks run around the exporter hooks and get the map handle back', () => {
    const log: string[] = [];
    const dev: Importer<number> = {
      name: 'gem-like',
      onAttach: () => log.push('onAttach'),
      onMap: (_a, table) => {
        log.push(`onMap ${table.size}`);
        return 42;
      },
      onUnmap: (_a, h) => log.push(`onUnmap ${h}`),
      onDetach: () => log.push('onDetach'),
    };
    using buf = fw.export({ size: 4096 });
    {
      using att = buf.attach(dev);
      using m = att.map();
      expect(m.handle).toBe(42);
    }
    expect(log).toEqual(['onAttach', 'onMap 4096', 'onUnmap 42', 'onDetach']);
  });

  it("a map's context reaches the importer's onMap as it was given (undefined when none), with the attachment it is for", () => {
    const seen: unknown[] = [];
    const dev: Importer<string, { slot: number }> = {
      name: 'slotted',
      onMap: (a, _table, direction, context) => {
        seen.push([a.id, direction, context]);
        if (!context) throw new Error('map through the queue');
        return `slot ${context.slot}`;
      },
    };
    using buf = fw.export({ size: 4096 });
    using att = buf.attach(dev);
    const ctx = { slot: 3 };
    {
      using m = att.map('to-device', ctx);
      expect(m.handle).toBe('slot 3');
      expect(m.attachment).toBe(att);
      expect(m.attachment.buffer).toBe(buf);
    }
    expect(() => att.map()).toThrow(PluginError);
    expect(seen).toEqual([
      [att.id, 'to-device', ctx],
      [att.id, 'bidirectional', undefined],
    ]);
    expect((seen[0] as unknown[])[2]).toBe(ctx);
    expect(att.mapCount).toBe(0);
  });

  it("the exporter's scatterlist is checked against the device's constraints at map: a contiguous device refuses a scattered buffer", async () => {
    const plugin = memfdExporterPlugin({ segmentSize: 4096 });
    await using scatter = await Framework.create({ plugins: [plugin] });
    using buf = scatter.export({ size: 16384 });
    using plain = buf.attach(plainDevice('sg-capable'));
    using att = buf.attach(plainDevice('dma-contig', { contiguous: true }));
    expect(plain.map().table.segments).toHaveLength(4);
    expect(() => att.map()).toThrow(NegotiationError);
    expect(() => att.map()).toThrow(`dma-contig needs contiguous memory, ${buf.label} maps as 4 segments`);
    expect(att.mapCount).toBe(0);
    expect(plugin.exporter.calls.map((c) => c.hook).slice(-2)).toEqual(['map', 'unmap']);
    expect(plain.mapCount).toBe(1);
  });

  it('an importer that fails onMap leaves the exporter unmapped', () => {
    using buf = fw.export({ size: 4096 });
    const att = buf.attach({
      name: 'flaky',
      onMap: () => {
        throw new Error('device gone');
      },
    });
    expect(() => att.map()).toThrow(PluginError);
    expect(exporter.calls.map((c) => c.hook).slice(-2)).toEqual(['map', 'unmap']);
    expect(att.mapCount).toBe(0);
    att.detach();
  });

  it('an exporter refusing an attach is a PluginError naming the plugin, with the cause', () => {
    using buf = fw.export({ size: 4096 });
    const e = refusalOf(() => buf.attach(plainDevice('unreachable-device')), PluginError);
    expect(e.plugin).toBe('memfd-test');
    expect(e.hook).toBe('attach');
    expect(e.code).toBe('ENODEV');
    expect(e.cause).toBeInstanceOf(DmaBufError);
    expect(e.message).toContain('unreachable-device');
    expect(buf.attachments).toHaveLength(0);
  });

  it('several attachments and mappings are tracked independently', () => {
    const buf = fw.export({ size: 4096 });
    const a = buf.attach(plainDevice('a'));
    const b = buf.attach(plainDevice('b'));
    const ma1 = a.map();
    const ma2 = a.map('to-device');
    const mb = b.map();
    expect(a.mapCount).toBe(2);
    ma1.unmap();
    expect(() => a.detach()).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    ma2.unmap();
    a.detach();
    expect(() => buf.put()).toThrow(/release with 1 live attachment\(s\) \(b\)/);
    mb.unmap();
    b.detach();
    buf.put();
    expect(buf.released).toBe(true);
  });

  it('refcounting: get/put pairs, the last put releases', () => {
    const buf = fw.export({ size: 4096 });
    buf.get().get();
    expect(buf.refCount).toBe(3);
    buf.put();
    buf.put();
    expect(buf.released).toBe(false);
    buf.put();
    expect(buf.released).toBe(true);
    expect(buf.refCount).toBe(0);
    expect(() => buf.layout).toThrow(ReleasedError);
  });

  it('using releases at scope end; detach/unmap through using in reverse order', () => {
    let ref: { released: boolean } | undefined;
    {
      using buf = fw.export({ size: 4096 });
      using att = buf.attach(plainDevice('d'));
      using _m = att.map();
      ref = buf;
    }
    expect(ref?.released).toBe(true);
  });
});

describe('late allocation and negotiation', () => {
  it('allocates at the first map with the merged constraints', () => {
    const buf = fw.export({ lazy: true, size: 4096 });
    expect(buf.allocated).toBe(false);
    const a = buf.attach(plainDevice('camera', { minPlaneSizes: [614400], pitches: [2560] }));
    const b = buf.attach(plainDevice('display', { alignment: 65536 }));
    expect(exporter.calls.filter((c) => c.hook === 'attach')).toHaveLength(0);
    const m = b.map();
    expect(buf.allocated).toBe(true);
    expect(buf.size).toBe(655360);
    expect(exporter.calls.filter((c) => c.hook === 'attach')).toHaveLength(2);
    m.unmap();
    a.detach();
    b.detach();
    buf.put();
  });

  it('refuses an attach that conflicts with earlier ones before allocation, naming both', () => {
    using buf = fw.export({ lazy: true, size: 4096 });
    using _a = buf.attach(plainDevice('V4L2 /dev/video0', { pitches: [2560] }));
    expect(() => buf.attach(plainDevice('DRM card1', { pitches: [2048] }))).toThrow(
      /DRM card1 needs a pitch of 2048 bytes for plane 0, V4L2 \/dev\/video0 needs 2560/,
    );
  });

  it('refuses an undersized buffer with both numbers in the message', () => {
    using buf = fw.export({ size: 600000 });
    expect(buf.size).toBe(602112);
    expect(() => buf.attach(plainDevice('V4L2 /dev/video0', { minPlaneSizes: [614400] }))).toThrow(
      new NegotiationError(
        `V4L2 /dev/video0 needs 614400 bytes per plane, buffer #${buf.id} (memfd-test) has 602112`,
      ),
    );
  });

  it('formats must intersect', () => {
    using buf = fw.export({ lazy: true });
    using _a = buf.attach(plainDevice('cam', { formats: [{ format: 'YUYV' }], minSize: 4096 }));
    expect(() => buf.attach(plainDevice('disp', { formats: [{ format: 'XR24' }] }))).toThrow(
      /none in common/,
    );
  });

  it('a pending buffer with nothing to size it is a typed error at map, and nothing leaks', () => {
    const buf = fw.export({ lazy: true });
    const att = buf.attach(plainDevice('d'));
    expect(() => att.map()).toThrow(/nothing says how big/);
    att.detach();
    buf.put();
  });

  it('image exports lay out planes with the device pitch alignment', () => {
    using buf = fw.export({ width: 100, height: 10, format: 'XR24', constraints: { pitchAlignment: 256 } });
    expect(buf.layout.planes[0]).toEqual({ offset: 0, pitch: 512, size: 5120 });
    expect(() => buf.attach(plainDevice('x', { pitchAlignment: 1024 }))).toThrow(/pitches aligned to 1024/);
  });
});

describe('identity and fds', () => {
  it('get(fd) of a foreign-to-this-framework memfd builds a buffer via the matching exporter', async () => {
    await using other = await Framework.create({ plugins: [memfdExporterPlugin()] });
    const src = other.export({ size: 4096 });
    const fd = src.fd();
    const got = fw.get(fd);
    expect(got).not.toBe(src);
    expect(got.exporter.name).toBe('memfd-test');
    expect(got.identity).toBe(src.identity);
    expect(fw.get(fd)).toBe(got);
    got.put();
    got.put();
    (await import('../src/index.js')).closeFd(fd);
    src.put();
  });

  it('get(fd) finds every buffer of this framework, whenever it was exported (identity is indexed lazily)', async () => {
    const { closeFd } = await import('../src/index.js');
    await using other = await Framework.create({ plugins: [memfdExporterPlugin()] });
    const a = fw.export({ size: 4096 });
    const foreign = other.export({ size: 4096 });
    const foreignFd = foreign.fd();
    const adopted = fw.get(foreignFd); // a miss: indexes a
    const b = fw.export({ size: 4096 }); // exported after that lookup
    const pending = fw.export({ lazy: true, size: 4096 });
    const fds = [a.fd(), b.fd(), pending.fd()];
    const got = fds.map((fd) => fw.get(fd));
    expect(got[0]).toBe(a);
    expect(got[1]).toBe(b);
    expect(got[2]).toBe(pending);
    expect([a.refCount, b.refCount, pending.refCount]).toEqual([2, 2, 2]);
    expect(fw.get(foreignFd)).toBe(adopted);
    for (const buf of [a, b, pending, adopted]) {
      buf.put();
      buf.put();
    }
    for (const fd of [...fds, foreignFd]) closeFd(fd);
    foreign.put();
  });

  it('get(fd) of a plain file is NotADmaBufError with a hint', async () => {
    const { openSync, closeSync } = await import('node:fs');
    const fd = openSync('/proc/self/status', 'r');
    try {
      expect(() => fw.get(fd)).toThrow(expect.objectContaining({ name: 'NotADmaBufError', code: 'EBADF' }));
    } finally {
      closeSync(fd);
    }
  });

  it('get of a closed fd is a SystemError EBADF', () => {
    expect(() => fw.get(999_999)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'fstat' }));
  });

  it('buffers() lists live buffers; close() tears down mapped, attached buffers', async () => {
    const f2 = await Framework.create({ plugins: [memfdExporterPlugin()] });
    const buf = f2.export({ size: 4096 });
    buf.attach(plainDevice('d')).map();
    const cpu = buf.mmap();
    const view = cpu.bytes;
    expect(f2.buffers()).toContain(buf);
    await f2.close();
    expect(buf.released).toBe(true);
    expect(view.byteLength).toBe(0);
    expect(() => f2.export({ size: 4096 })).toThrow(/framework is closed/);
  });
});

describe('CPU access', () => {
  it('pairs begin/end around a scope and detaches the scope views', () => {
    using buf = fw.export({ size: 4096 });
    const access = buf.cpuAccess('readwrite');
    const view = access.bytes;
    view[0] = 7;
    access.end();
    expect(view.byteLength).toBe(0);
    expect(() => access.bytes).toThrow(LifecycleError);
    const hooks = exporter.calls
      .filter((c) => c.hook.endsWith('CpuAccess'))
      .map((c) => `${c.hook}:${c.detail}`);
    expect(hooks).toEqual(['beginCpuAccess:readwrite', 'endCpuAccess:readwrite']);
  });

  it('a persistent mapping serves many sync scopes and is refused write access when read-only', () => {
    using buf = fw.export({ size: 4096 });
    using map = buf.mmap();
    for (let i = 0; i < 3; i++) {
      using a = map.access('write');
      a.bytes[i] = i + 1;
    }
    expect([...map.bytes.subarray(0, 3)]).toEqual([1, 2, 3]);
    using ro = buf.mmap({ writable: false });
    expect(() => ro.access('write')).toThrow(expect.objectContaining({ code: 'EACCES' }));
  });

  it('release unmaps leftover CPU mappings so stale views cannot touch freed memory', () => {
    const buf = fw.export({ size: 4096 });
    const map = buf.mmap();
    const view = map.bytes;
    buf.put();
    expect(view.byteLength).toBe(0);
    expect(map.mapped).toBe(false);
  });

  it('setName validates before the ioctl', () => {
    using buf = fw.export({ size: 4096 });
    expect(() => buf.setName('x'.repeat(32))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  // qemu-user answers an ioctl it does not know (DMA_BUF_SET_NAME) with ENOSYS itself, before the kernel's ENOTTY
  it.skipIf(process.env.DMABUF_UNDER_QEMU_USER)(
    'setName on a buffer that is not a kernel dma-buf says so (skipped under qemu-user: it answers unknown ioctls with ENOSYS)',
    () => {
      using buf = fw.export({ size: 4096 });
      expect(() => buf.setName('ok')).toThrow(/not a kernel dma-buf/);
    },
  );
});
