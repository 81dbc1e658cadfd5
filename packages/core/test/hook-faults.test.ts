import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Allocation,
  type AllocationRequest,
  type AttachmentInfo,
  type CpuAccessMode,
  type ExportedBuffer,
  exporterPlugin,
  Framework,
  type Importer,
  type MapDirection,
  openFdCount,
  PluginError,
  type SgTable,
} from '../src/index.js';
import { MemfdExporter } from '../src/testing/index.js';

// Issue 15, faults: a plugin hook that throws at each step of the lifecycle. At every step the
// error is a PluginError naming the plugin and the hook (with the plugin's error as its cause),
// the framework's books stay right (references, attachments, mappings, exporter attach/detach and
// map/unmap pairs) and, after the rest of the lifecycle and fw.close(), no fd is left.

type ExporterHook =
  | 'allocate'
  | 'attach'
  | 'map'
  | 'unmap'
  | 'detach'
  | 'release'
  | 'beginCpuAccess'
  | 'endCpuAccess';

/** The memfd test exporter with one hook that throws (once, or every time). */
class FaultyExporter extends MemfdExporter {
  override readonly name = 'faulty-exporter';
  fail: ExporterHook | undefined;
  once = true;

  #trip(hook: ExporterHook): void {
    if (this.fail !== hook) return;
    if (this.once) this.fail = undefined;
    throw new Error(`injected fault in ${hook}`);
  }
  override allocate(req: AllocationRequest): Allocation<{ segments: number }> {
    this.#trip('allocate');
    const a = super.allocate(req);
    return {
      ...a,
      release: () => {
        a.release?.();
        this.#trip('release');
      },
    };
  }
  override attach(b: ExportedBuffer, a: AttachmentInfo): void {
    this.#trip('attach');
    super.attach(b, a);
  }
  override detach(b: ExportedBuffer, a: AttachmentInfo): void {
    super.detach(b, a);
    this.#trip('detach');
  }
  override map(b: ExportedBuffer, a: AttachmentInfo, d: MapDirection): SgTable {
    this.#trip('map');
    return super.map(b, a, d);
  }
  override unmap(b: ExportedBuffer, a: AttachmentInfo): void {
    super.unmap(b, a);
    this.#trip('unmap');
  }
  override beginCpuAccess(b: ExportedBuffer, m: CpuAccessMode): void {
    this.#trip('beginCpuAccess');
    super.beginCpuAccess(b, m);
  }
  override endCpuAccess(b: ExportedBuffer, m: CpuAccessMode): void {
    super.endCpuAccess(b, m);
    this.#trip('endCpuAccess');
  }
  /** Exporter hook calls of each kind. */
  count(hook: string): number {
    return this.calls.filter((c) => c.hook === hook).length;
  }
}

type ImporterHook = 'constraints' | 'onAttach' | 'onMap' | 'onUnmap' | 'onDetach';

/** A device whose hook `fail` throws once; it counts its live attachments and mappings. */
function faultyDevice(fail: ImporterHook): Importer<number> & { live: { attached: number; mapped: number } } {
  let armed = true;
  const trip = (hook: ImporterHook) => {
    if (hook === fail && armed) {
      armed = false;
      throw new Error(`injected fault in ${hook}`);
    }
  };
  const live = { attached: 0, mapped: 0 };
  return {
    name: 'faulty-device',
    live,
    constraints: () => {
      trip('constraints');
      return {};
    },
    onAttach: () => {
      trip('onAttach');
      live.attached++;
    },
    onMap: () => {
      trip('onMap');
      live.mapped++;
      return 1;
    },
    onUnmap: () => {
      live.mapped--;
      trip('onUnmap');
    },
    onDetach: () => {
      live.attached--;
      trip('onDetach');
    },
  };
}

let fw: Framework;
let exporter: FaultyExporter;
let fdsBefore: number;

beforeEach(async () => {
  fdsBefore = openFdCount();
  exporter = new FaultyExporter();
  fw = await Framework.create({ plugins: [exporterPlugin(exporter)] });
});

afterEach(async () => {
  await fw.close();
  expect(fw.buffers()).toHaveLength(0);
  // every exporter attach has its detach, every map its unmap, every allocation its release
  expect(exporter.count('detach')).toBe(exporter.count('attach'));
  expect(exporter.count('unmap')).toBe(exporter.count('map'));
  expect(exporter.count('release')).toBe(exporter.count('allocate'));
  expect(openFdCount()).toBe(fdsBefore);
});

function pluginError(fn: () => unknown, plugin: string, hook: string): PluginError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PluginError);
    const err = e as PluginError;
    expect([err.plugin, err.hook]).toEqual([plugin, hook]);
    expect(err.message).toContain(`${plugin}: ${hook} failed: injected fault in`);
    expect(err.code).toBe('EPLUGIN');
    expect(err.cause).toBeInstanceOf(Error);
    return err;
  }
  throw new Error(`expected a PluginError from ${plugin}.${hook}, the call was accepted`);
}

/** Lines of /proc/self/maps that map a buffer of the test exporter. */
function cpuMaps(): number {
  return readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((l) => l.includes('memfd:dmabuf-test')).length;
}

describe('an exporter hook that throws, at each step', () => {
  it('allocate: the refused export leaves nothing behind, the next one works', () => {
    exporter.fail = 'allocate';
    pluginError(() => fw.export({ size: 4096 }).allocate(), 'faulty-exporter', 'allocate');
    expect(fw.buffers()).toHaveLength(0);
    using buf = fw.export({ size: 4096 });
    expect(buf.size).toBe(4096);
  });

  it('attach (buffer allocated): nothing attached, the device never told, the buffer releases', () => {
    using buf = fw.export({ size: 4096 }).allocate();
    const dev = faultyDevice('onMap');
    exporter.fail = 'attach';
    pluginError(() => buf.attach(dev), 'faulty-exporter', 'attach');
    expect(buf.attachments).toHaveLength(0);
    expect(dev.live.attached).toBe(0);
    expect(buf.refCount).toBe(1);
  });

  it('attach at late allocation (first map): the buffer is torn down, its attachments detached', () => {
    const buf = fw.export({ size: 4096, lazy: true });
    const dev = faultyDevice('onMap');
    const att = buf.attach(dev);
    exporter.fail = 'attach';
    pluginError(() => att.map(), 'faulty-exporter', 'attach');
    expect(buf.released).toBe(true);
    expect(att.attached).toBe(false);
    expect(dev.live).toEqual({ attached: 0, mapped: 0 });
    expect(fw.buffers()).toHaveLength(0);
  });

  it('map: no mapping made; the attachment maps again and detaches', () => {
    using buf = fw.export({ size: 4096 });
    const dev = faultyDevice('constraints');
    exporter.fail = 'map';
    pluginError(() => buf.attach(dev), 'faulty-device', 'constraints'); // the device's own fault first
    const att = buf.attach(dev);
    pluginError(() => att.map(), 'faulty-exporter', 'map');
    expect(att.mapCount).toBe(0);
    expect(dev.live.mapped).toBe(0);
    att.map().unmap();
    att.detach();
    expect(dev.live).toEqual({ attached: 0, mapped: 0 });
  });

  it('unmap: the mapping is gone (a second unmap is refused), the device was told, it detaches', () => {
    using buf = fw.export({ size: 4096 });
    const dev = faultyDevice('constraints');
    dev.constraints = () => ({});
    const att = buf.attach(dev);
    const m = att.map();
    exporter.fail = 'unmap';
    pluginError(() => m.unmap(), 'faulty-exporter', 'unmap');
    expect(att.mapCount).toBe(0);
    expect(dev.live.mapped).toBe(0);
    expect(() => m.unmap()).toThrow(/already unmapped/);
    att.detach();
  });

  it('detach: the attachment is gone, the device was told, the buffer releases', () => {
    const buf = fw.export({ size: 4096 });
    const dev = faultyDevice('constraints');
    dev.constraints = () => ({});
    const att = buf.attach(dev);
    att.map().unmap();
    exporter.fail = 'detach';
    pluginError(() => att.detach(), 'faulty-exporter', 'detach');
    expect(att.attached).toBe(false);
    expect(buf.attachments).toHaveLength(0);
    expect(dev.live.attached).toBe(0);
    buf.put();
    expect(buf.released).toBe(true);
  });

  it('release: the last put() reports it, and the buffer is released all the same (its fd closed)', () => {
    const fds = openFdCount();
    const buf = fw.export({ size: 4096 }).allocate();
    expect(openFdCount()).toBe(fds + 1);
    exporter.fail = 'release';
    pluginError(() => buf.put(), 'faulty-exporter', 'release');
    expect(buf.released).toBe(true);
    expect(buf.refCount).toBe(0);
    expect(fw.buffers()).toHaveLength(0);
    expect(openFdCount()).toBe(fds);
  });

  // CPU access scopes share one kept mapping per buffer, unmapped at release (not at each scope's end).
  it('beginCpuAccess: no scope, no mapping beyond the kept one, and that one unmapped at release', () => {
    const maps = cpuMaps();
    {
      using buf = fw.export({ size: 4096 }).allocate();
      exporter.fail = 'beginCpuAccess';
      pluginError(() => buf.cpuAccess('write'), 'faulty-exporter', 'beginCpuAccess');
      expect(cpuMaps()).toBeLessThanOrEqual(maps + 1);
      {
        using cpu = buf.cpuAccess('write');
        cpu.bytes.fill(7);
      }
      expect(cpuMaps()).toBe(maps + 1);
    }
    expect(cpuMaps()).toBe(maps);
  });

  it('endCpuAccess: the scope ends all the same, its views detached, the kept mapping unmapped at release', () => {
    const maps = cpuMaps();
    {
      using buf = fw.export({ size: 4096 }).allocate();
      const cpu = buf.cpuAccess('write');
      const view = cpu.bytes;
      expect(cpuMaps()).toBe(maps + 1);
      exporter.fail = 'endCpuAccess';
      pluginError(() => cpu.end(), 'faulty-exporter', 'endCpuAccess');
      expect(cpu.open).toBe(false);
      expect(view.length).toBe(0); // detached
      cpu.end(); // once: later calls do nothing
      expect(exporter.count('beginCpuAccess')).toBe(exporter.count('endCpuAccess'));
    }
    expect(cpuMaps()).toBe(maps);
  });

  it('a hook that throws every time: a full cycle still ends with nothing held', () => {
    exporter.once = false;
    for (const hook of ['unmap', 'detach', 'endCpuAccess', 'release'] as const) {
      exporter.fail = hook;
      const buf = fw.export({ size: 8192 });
      const att = buf.attach({ name: 'plain' });
      const failures: string[] = [];
      const run = (fn: () => void) => {
        try {
          fn();
        } catch (e) {
          failures.push((e as PluginError).hook);
        }
      };
      const m = att.map();
      run(() => {
        const cpu = buf.cpuAccess('read');
        cpu.end();
      });
      run(() => m.unmap());
      run(() => att.detach());
      run(() => buf.put());
      expect(failures).toEqual([hook]);
      expect(buf.released).toBe(true);
    }
    exporter.fail = undefined;
  });
});

describe('an importer hook that throws, at each step', () => {
  it('constraints: nothing attached, the exporter never told', () => {
    using buf = fw.export({ size: 4096 }).allocate();
    pluginError(() => buf.attach(faultyDevice('constraints')), 'faulty-device', 'constraints');
    expect(buf.attachments).toHaveLength(0);
    expect(exporter.count('attach')).toBe(0);
  });

  it('onAttach: not attached, the exporter attach undone', () => {
    using buf = fw.export({ size: 4096 }).allocate();
    pluginError(() => buf.attach(faultyDevice('onAttach')), 'faulty-device', 'onAttach');
    expect(buf.attachments).toHaveLength(0);
    expect(exporter.count('attach')).toBe(1);
    expect(exporter.count('detach')).toBe(1);
  });

  it('onMap: no mapping, the exporter map undone; it maps the second time', () => {
    using buf = fw.export({ size: 4096 });
    const dev = faultyDevice('onMap');
    using att = buf.attach(dev);
    pluginError(() => att.map(), 'faulty-device', 'onMap');
    expect(att.mapCount).toBe(0);
    expect(exporter.count('unmap')).toBe(exporter.count('map'));
    using m = att.map();
    expect(m.handle).toBe(1);
  });

  it('onUnmap: the mapping is gone and the exporter unmapped all the same', () => {
    using buf = fw.export({ size: 4096 });
    const dev = faultyDevice('onUnmap');
    using att = buf.attach(dev);
    const m = att.map();
    pluginError(() => m.unmap(), 'faulty-device', 'onUnmap');
    expect(att.mapCount).toBe(0);
    expect(exporter.count('unmap')).toBe(1);
  });

  it('onDetach: the attachment is gone and the exporter detached all the same', () => {
    const buf = fw.export({ size: 4096 });
    const att = buf.attach(faultyDevice('onDetach'));
    att.map().unmap();
    pluginError(() => att.detach(), 'faulty-device', 'onDetach');
    expect(buf.attachments).toHaveLength(0);
    expect(exporter.count('detach')).toBe(1);
    buf.put();
  });

  it('fw.close() with a throwing hook still tears every buffer down', async () => {
    const buf = fw.export({ size: 4096 });
    const att = buf.attach(faultyDevice('onUnmap'));
    att.map();
    buf.attach(faultyDevice('onDetach'));
    exporter.fail = 'release';
    await fw.close().catch(() => undefined);
    expect(buf.released).toBe(true);
    expect(fw.buffers()).toHaveLength(0);
  });
});
