import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Framework, InvalidArgumentError, PluginError, plainDevice } from '@dmabuf/core';
import { fdDelta, refusalOf } from '@dmabuf/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeapDevice, HeapError, heapPlugin, listHeaps, parseExportOptions } from '../src/index.js';

// Host tests: this kernel has no dma-heaps, so these cover what the exporter
// decides before the ioctl, with fake heap folders. The heaps themselves are
// tested in the lab.
const root = mkdtempSync(join(tmpdir(), 'dma-heap-'));
const empty = join(root, 'none');
const fake = join(root, 'fake');
mkdirSync(fake);
writeFileSync(join(fake, 'system'), '');
writeFileSync(join(fake, 'linux,cma'), '');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The exporter's own error behind the core's PluginError. */
const refusal = (fn: () => unknown) =>
  refusalOf(fn, PluginError).cause as Error & { code?: string; errno?: number };

describe('listHeaps', () => {
  it('lists the heap nodes, sorted, and nothing where there is no folder', () => {
    expect(listHeaps(fake)).toEqual([
      { name: 'linux,cma', path: `${fake}/linux,cma` },
      { name: 'system', path: `${fake}/system` },
    ]);
    expect(listHeaps(empty)).toEqual([]);
  });
});

describe('dma-heap export options', () => {
  it('accepts a heap name and zero flags', () => {
    expect(parseExportOptions({ heap: 'linux,cma', heapFlags: 0 })).toEqual({
      heap: 'linux,cma',
      heapFlags: 0,
    });
  });

  it('refuses heap flags the kernel does not define (selftest: invalid heap flags), with EINVAL', () => {
    const e = refusalOf(() => parseExportOptions({ heapFlags: 0x111111 }), HeapError);
    expect(e).toMatchObject({ code: 'EINVAL', errno: 22 });
    expect(e.message).toContain('heap flags 0x111111 are not defined');
  });

  it('refuses a heap name that is a path, and unknown keys', () => {
    expect(() => parseExportOptions({ heap: '../udmabuf' })).toThrow(/is not a heap name/);
    expect(() => parseExportOptions({ heap: '' })).toThrow(HeapError);
    expect(() => parseExportOptions({ flags: 1 })).toThrow(InvalidArgumentError);
  });
});

describe('dma-heap exporter on a host without heaps', () => {
  let none: Framework;
  let some: Framework;
  beforeAll(async () => {
    none = await Framework.create({ plugins: [heapPlugin({ dir: empty })] });
    some = await Framework.create({ plugins: [heapPlugin({ dir: fake })] });
  });
  afterAll(async () => {
    await none.close();
    await some.close();
  });

  it('says how to get dma-heaps when there are none, and leaks nothing', async () => {
    expect(
      await fdDelta(() => {
        const e = refusal(() => none.export({ exporter: 'dma-heap', size: 4096 }));
        expect(e).toMatchObject({ code: 'ENOENT', errno: 2 });
        expect(e.message).toContain('CONFIG_DMABUF_HEAPS');
      }),
    ).toBe(0);
  });

  it('names the heaps there are when the one asked for is missing', () => {
    const e = refusal(() => some.export({ exporter: 'dma-heap', size: 4096, options: { heap: 'cma' } }));
    expect(e).toMatchObject({ code: 'ENOENT', heap: 'cma' });
    expect(e.message).toContain('Use one of: linux,cma, system');
  });

  it('a node that is not a heap gives ENOTTY from the ioctl, explained (the heap node stays open, nothing else)', async () => {
    expect(refusal(() => some.export({ exporter: 'dma-heap', size: 4096 }))).toMatchObject({
      code: 'ENOTTY',
    });
    expect(
      await fdDelta(() => {
        const e = refusal(() => some.export({ exporter: 'dma-heap', size: 4096 }));
        expect(e).toMatchObject({ code: 'ENOTTY', syscall: 'ioctl(DMA_HEAP_IOCTL_ALLOC)' });
        expect(e.message).toContain('is not a dma-heap');
      }),
    ).toBe(0);
  });

  it('a raw HeapDevice on a non-heap says ENOTTY too (selftest: alloc on a bad fd)', () => {
    const d = new HeapDevice('null', '/dev');
    try {
      expect(() => d.alloc(4096, 0)).toThrow(expect.objectContaining({ code: 'ENOTTY' }));
    } finally {
      d.close();
    }
  });

  it('refuses more than the machine has, and contiguous needs on the system heap', () => {
    expect(refusal(() => some.export({ exporter: 'dma-heap', size: 2 ** 40 }))).toMatchObject({
      code: 'ENOMEM',
    });
    const buf = some.export({ exporter: 'dma-heap' });
    const att = buf.attach(plainDevice('dma-engine', { minSize: 1 << 20, contiguous: true }));
    expect(refusal(() => att.map()).message).toContain('the system heap gives scattered pages');
    att.detach();
    buf.put();
  });

  it('refuses a bufferName over 31 bytes', () => {
    expect(() => heapPlugin({ bufferName: 'x'.repeat(32) })).toThrow(/longer than 31 bytes/);
  });
});
