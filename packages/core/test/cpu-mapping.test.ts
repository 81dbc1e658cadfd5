import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Framework, liveMappings, munmapBuffer, openFdCount } from '../src/index.js';
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
      before = minorFaults();
      w.bytes.fill(2);
      expect(minorFaults() - before).toBeLessThan(pages / 8);
    }
    {
      using w = buf.cpuAccess('write'); // the same mapping: no fault at all for the pages
      before = minorFaults();
      w.bytes.fill(3);
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
