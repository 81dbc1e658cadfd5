import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Framework, liveMappings, munmapBuffer, openFdCount } from '../src/index.js';
import { native } from '../src/native.js';
import { memfdExporterPlugin } from '../src/testing/index.js';

/** Minor page faults of this process so far (/proc/self/stat, field 10). */
function minorFaults(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
}

const MB4 = 4 * 1024 * 1024;

let fw: Framework;
let fdsBefore: number;
let mappingsBefore: number;

beforeEach(async () => {
  fdsBefore = openFdCount();
  mappingsBefore = liveMappings();
  fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
});

afterEach(async () => {
  await fw.close();
  expect(liveMappings()).toBe(mappingsBefore);
  expect(openFdCount()).toBe(fdsBefore);
});

describe('cpuAccess scopes share one kept mapping', () => {
  it('one mapping for every scope, unmapped at release; each scope sees the last one’s bytes and its views die with it', () => {
    const buf = fw.export({ size: 65536 });
    const stale: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) {
      using w = buf.cpuAccess('write');
      const bytes = w.bytes;
      expect(bytes[100]).toBe(i === 0 ? 0 : i - 1);
      bytes[100] = i;
      stale.push(bytes);
      expect(liveMappings()).toBe(mappingsBefore + 1);
    }
    for (const s of stale) expect(s.byteLength).toBe(0);
    expect(() => stale[0]![100]).not.toThrow(); // a detached view reads as empty, never the memory
    expect(stale[0]![100]).toBeUndefined();
    {
      using r = buf.cpuAccess('read');
      expect(r.bytes[100]).toBe(19);
      expect(liveMappings()).toBe(mappingsBefore + 1);
    }
    buf.put();
    expect(liveMappings()).toBe(mappingsBefore);
  });

  it("a scope's ArrayBuffer cannot unmap the kept mapping (EINVAL); an open scope at release is ended with it", () => {
    const buf = fw.export({ size: 8192 });
    const a = buf.cpuAccess('write');
    expect(() => munmapBuffer(a.arrayBuffer)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    a.bytes[0] = 1;
    const open = buf.cpuAccess('read');
    const view = open.bytes;
    a.end();
    expect(view[0]).toBe(1); // ending one scope leaves the other's views alone
    buf.put();
    expect(view.byteLength).toBe(0);
    expect(() => open.end()).not.toThrow();
    expect(liveMappings()).toBe(mappingsBefore);
  });

  it('read-only scopes first, then a write: the kept mapping is replaced by a writable one (one mapping left)', () => {
    const buf = fw.export({ size: 8192 });
    {
      using r = buf.cpuAccess('read');
      expect(r.bytes.length).toBe(8192);
    }
    {
      using w = buf.cpuAccess('readwrite');
      w.bytes[5] = 9;
    }
    expect(liveMappings()).toBe(mappingsBefore + 1);
    {
      using r = buf.cpuAccess('read');
      expect(r.bytes[5]).toBe(9);
    }
    expect(liveMappings()).toBe(mappingsBefore + 1);
    buf.put();
  });

  it('the first scope faults every page in at once (populate): writing the whole buffer then takes no page fault per page', () => {
    const pages = MB4 / 4096;
    const lazy = fw.export({ size: MB4 });
    const m = lazy.mmap();
    let before = minorFaults();
    m.bytes.fill(1);
    const lazyFaults = minorFaults() - before;
    m.unmap();
    lazy.put();
    expect(lazyFaults).toBeGreaterThan(pages / 2);

    const buf = fw.export({ size: MB4 });
    {
      using w = buf.cpuAccess('write'); // maps and populates
      const bytes = w.bytes; // the scope's view, made at the first read of bytes (not counted: no page of the buffer)
      before = minorFaults();
      bytes.fill(2);
      expect(minorFaults() - before).toBeLessThan(pages / 8);
    }
    {
      using w = buf.cpuAccess('write'); // the same mapping: no fault at all for the pages
      const bytes = w.bytes;
      before = minorFaults();
      bytes.fill(3);
      expect(minorFaults() - before).toBeLessThan(pages / 8);
    }
    buf.put();
  });

  it('mmap({ populate }) is checked (EINVAL) and faults pages in when true', () => {
    const buf = fw.export({ size: MB4 });
    expect(() => buf.mmap({ populate: 'yes' as never })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    using m = buf.mmap({ populate: true });
    const before = minorFaults();
    m.bytes.fill(4);
    expect(minorFaults() - before).toBeLessThan(MB4 / 4096 / 8);
    m.unmap();
    buf.put();
  });
});

describe('scope views are made a batch at a time (the first view after a frame copy is the dear one)', () => {
  it('four views at the first bytes, none for the next three scopes; each scope still gets its own view, detached at its end', () => {
    const buf = fw.export({ size: 65536 });
    buf.cpuAccess('write').end(); // the kept mapping is made (and checked for views) here
    const made = vi.spyOn(native(), 'mmapView');
    try {
      const views = new Set<ArrayBuffer>();
      const batches: number[] = [];
      for (let i = 0; i < 9; i++) {
        using w = buf.cpuAccess('write');
        const before = made.mock.calls.length;
        const ab = w.arrayBuffer;
        batches.push(made.mock.calls.length - before);
        expect(views.has(ab)).toBe(false);
        views.add(ab);
        new Uint8Array(ab)[i] = i + 1;
      }
      expect(batches).toEqual([4, 0, 0, 0, 4, 0, 0, 0, 4]);
      for (const ab of views) expect(ab.byteLength).toBe(0);
      {
        using r = buf.cpuAccess('read');
        expect([...r.bytes.subarray(0, 9)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      }
    } finally {
      made.mockRestore();
    }
    buf.put();
  });

  it('views from one batch in two open scopes share the memory and are both detached at release; a buffer over 16 MiB gets one view per scope', () => {
    const buf = fw.export({ size: 65536 });
    const a = buf.cpuAccess('write');
    const b = buf.cpuAccess('read');
    const va = a.bytes;
    const vb = b.bytes;
    va[1] = 7;
    expect(vb[1]).toBe(7);
    buf.put(); // the batch's unused views go with the mapping too
    expect(va.byteLength).toBe(0);
    expect(vb.byteLength).toBe(0);

    const big = fw.export({ size: 17 * 1024 * 1024 });
    big.cpuAccess('write').end();
    const made = vi.spyOn(native(), 'mmapView');
    try {
      for (let i = 0; i < 3; i++) {
        using w = big.cpuAccess('write');
        w.bytes[0] = i;
      }
      expect(made).toHaveBeenCalledTimes(3);
    } finally {
      made.mockRestore();
    }
    big.put();
  });
});

describe('access.write(): a frame into the buffer without a view', () => {
  it('writes at an offset in a cpuAccess scope; the scope makes no view unless bytes is read, and a view it makes still dies with it', () => {
    const buf = fw.export({ size: 8192 });
    const frame = Uint8Array.from({ length: 100 }, (_, i) => i + 1);
    {
      using w = buf.cpuAccess('write');
      w.write(frame, 4000);
      w.write(new Uint16Array([0x0201]).buffer); // an ArrayBuffer: its bytes, little-endian here
      w.write(new DataView(frame.buffer, 10, 2), 8190); // the last two bytes
    }
    let stale: Uint8Array;
    {
      using r = buf.cpuAccess('readwrite');
      const bytes = r.bytes;
      expect([...bytes.subarray(4000, 4003)]).toEqual([1, 2, 3]);
      expect(bytes[4099]).toBe(100);
      expect([bytes[0], bytes[1], bytes[8190], bytes[8191]]).toEqual([1, 2, 11, 12]);
      r.write(frame.subarray(0, 1), 0); // write and bytes see the same memory
      expect(bytes[0]).toBe(1);
      stale = bytes;
    }
    expect(stale.byteLength).toBe(0);
    const s = buf.cpuAccess('write');
    s.write(frame);
    s.end();
    expect(s.arrayBuffer.byteLength).toBe(0); // no view was made: nothing to reach after the end
    buf.put();
  });

  it('refuses with typed errors: a read scope (EACCES), after the end (EBADF), too long or a bad offset or source (EINVAL); mapping.access scopes write too', () => {
    const buf = fw.export({ size: 4096 });
    const r = buf.cpuAccess('read');
    expect(() => r.write(new Uint8Array(4))).toThrow(expect.objectContaining({ code: 'EACCES' }));
    r.end();
    const w = buf.cpuAccess('write');
    expect(() => w.write(new Uint8Array(4097))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => w.write(new Uint8Array(2), 4095)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    for (const offset of [-1, 1.5, Number.NaN, 4097, '0' as never])
      expect(() => w.write(new Uint8Array(1), offset)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    for (const source of [undefined, null, 5, 'abc', [1, 2], {}] as never[])
      expect(() => w.write(source)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    w.write(new Uint8Array(0), 4096); // nothing, at the very end
    w.end();
    expect(() => w.write(new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'EBADF' }));
    using m = buf.mmap();
    {
      using a = m.access('write');
      a.write(new Uint8Array([9]), 7);
    }
    expect(m.bytes[7]).toBe(9);
    m.unmap();
    buf.put();
  });

  it('a scope open at release is ended with it: write() then refuses (EBADF), end() does nothing', () => {
    const buf = fw.export({ size: 4096 });
    const w = buf.cpuAccess('write');
    w.write(new Uint8Array([1]));
    buf.put();
    expect(() => w.write(new Uint8Array([1]))).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(() => w.end()).not.toThrow();
  });
});
