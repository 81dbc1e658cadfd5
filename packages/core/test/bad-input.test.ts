import { describe, expect, it } from 'vitest';
import {
  closeFd,
  computeLayout,
  createMemfd,
  dupFd,
  fdIdentity,
  fdSize,
  memfdSeals,
  plainDevice,
  readFdInfo,
  SEEK_CUR,
  sealMemfd,
  seekFd,
} from '../src/index.js';
import { refusalOf } from '../src/testing/index.js';
import { useMemfdFramework } from './fixtures/memfd-framework.js';

const junk: unknown[] = [undefined, null, -1, 1.5, Number.NaN, 2 ** 53, 'x', {}, [], () => 0, 10n];

const framework = useMemfdFramework();

describe('bad input is a typed error, every time', () => {
  it('fd functions reject non-fds and report closed fds with errno', () => {
    for (const v of junk) {
      if (v === undefined) continue;
      for (const [name, fn] of Object.entries({
        dupFd,
        closeFd,
        fdIdentity,
        fdSize,
        readFdInfo,
        get: (x: number) => framework().get(x),
      })) {
        try {
          refusalOf(() => fn(v as number));
        } catch (e) {
          throw new Error(`${name}(${String(v)}): ${(e as Error).message}`);
        }
      }
    }
    const e = refusalOf(() => dupFd(987_654));
    expect(e.code).toBe('EBADF');
    expect(e.errno).toBe(9);
    expect(e.syscall).toBe('fcntl(F_DUPFD_CLOEXEC)');
    expect(e.message).toMatch(/Pass an open file descriptor/);
    refusalOf(() => closeFd(987_654));
    refusalOf(() => seekFd(0, 0, 7));
    refusalOf(() => seekFd(0, 0.5, SEEK_CUR));
  });

  it('export rejects wrong sizes, names, formats and unknown exporters', () => {
    for (const size of [0, -4096, 1.5, 'big', 2 ** 41, Number.POSITIVE_INFINITY]) {
      refusalOf(() => framework().export({ size: size as number }));
    }
    refusalOf(() => framework().export({ size: 4096, name: 'n'.repeat(40) }));
    refusalOf(() => framework().export({ size: 4096, format: 'TOOLONG' }));
    refusalOf(() => framework().export({ width: 10, height: 10, format: 'ZZZZ' }));
    refusalOf(() => framework().export({ exporter: 'none', size: 4096 }));
    refusalOf(() => framework().export(null as never));
    refusalOf(() => framework().export('4096' as never));
  });

  it('buffer methods reject bad modes, devices and directions', () => {
    using buf = framework().export({ size: 4096 });
    refusalOf(() => buf.cpuAccess('write-only' as never));
    refusalOf(() => buf.beginCpuAccess(1 as never));
    refusalOf(() => buf.attach(null as never));
    refusalOf(() => buf.attach({} as never));
    refusalOf(() => buf.setName(42 as never));
    using att = buf.attach(plainDevice('d'));
    refusalOf(() => att.map('up' as never));
    expect(buf.attachments).toHaveLength(1);
  });

  it('computeLayout rejects what is not an exporter name, a request or a size', () => {
    const ok = { constraints: {}, options: {} };
    for (const v of junk) {
      if (typeof v !== 'string') refusalOf(() => computeLayout(v as string, { ...ok, size: 4096 }));
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        refusalOf(() => computeLayout('x', v as never));
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        refusalOf(() => computeLayout('x', { ...ok, constraints: v as never, size: 4096 }));
      if (v !== undefined) {
        refusalOf(() => computeLayout('x', { ...ok, size: v as number }));
        refusalOf(() => computeLayout('x', { ...ok, width: v as number, height: 16 }));
      }
    }
    refusalOf(() => computeLayout('x', ok)); // no size at all
    refusalOf(() => computeLayout('x', { ...ok, width: 16, height: 16, format: 'NOPE' }));
    expect(computeLayout('x', { ...ok, size: 1 }).size).toBe(4096);
  });

  it('memfd helpers explain seal refusals', () => {
    const fd = createMemfd('no-sealing', 4096, { allowSealing: false });
    const e = refusalOf(() => sealMemfd(fd, ['shrink']));
    expect(e.code).toBe('EPERM');
    expect(e.message).toMatch(/MFD_ALLOW_SEALING/);
    closeFd(fd);
    const sealed = createMemfd('sealed', 4096, { seals: ['shrink', 'seal'] });
    expect([...memfdSeals(sealed)].sort()).toEqual(['seal', 'shrink']);
    expect(refusalOf(() => sealMemfd(sealed, ['grow'])).code).toBe('EPERM');
    closeFd(sealed);
    refusalOf(() => createMemfd('x', -1));
    refusalOf(() => createMemfd(7 as never, 4096));
    const { openSync, closeSync } = require('node:fs') as typeof import('node:fs');
    const file = openSync('/proc/self/status', 'r');
    expect(refusalOf(() => sealMemfd(file, ['shrink'])).message).toMatch(/is not a memfd/);
    closeSync(file);
  });
});

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
