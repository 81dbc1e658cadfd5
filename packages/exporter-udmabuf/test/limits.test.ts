import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  availableHugePages,
  DEFAULT_LIMITS,
  LimitsCache,
  readHugePages,
  readUdmabufLimits,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'udmabuf-params-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('udmabuf module parameters', () => {
  it('falls back to the kernel defaults when sysfs has none', () => {
    expect(readUdmabufLimits(join(dir, 'missing'))).toEqual(DEFAULT_LIMITS);
  });

  it('reads size_limit_mb and list_limit', () => {
    writeFileSync(join(dir, 'size_limit_mb'), '16\n');
    writeFileSync(join(dir, 'list_limit'), '8\n');
    expect(readUdmabufLimits(dir)).toEqual({ sizeLimitMb: 16, listLimit: 8, source: 'sysfs' });
  });

  it('caches, and re-reads on demand (a limit raised at run time is seen)', () => {
    writeFileSync(join(dir, 'size_limit_mb'), '16\n');
    const c = new LimitsCache(dir);
    expect(c.current().sizeLimitMb).toBe(16);
    writeFileSync(join(dir, 'size_limit_mb'), '32\n');
    expect(c.current().sizeLimitMb).toBe(16);
    expect(c.fresh().sizeLimitMb).toBe(32);
  });
});

describe('huge pages from /proc/meminfo', () => {
  it('parses the fields and computes what is available', () => {
    const f = join(dir, 'meminfo');
    writeFileSync(
      f,
      'MemTotal: 1 kB\nHugePages_Total:      32\nHugePages_Free:       30\nHugePages_Rsvd:        4\nHugepagesize:       2048 kB\n',
    );
    const info = readHugePages(f);
    expect(info).toEqual({ total: 32, free: 30, reserved: 4, size: 2 * 1024 * 1024 });
    expect(availableHugePages(info)).toBe(26);
    expect(readHugePages(join(dir, 'none')).total).toBe(0);
  });
});
