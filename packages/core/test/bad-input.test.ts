import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeFd,
  computeLayout,
  createMemfd,
  DmaBufError,
  dupFd,
  Framework,
  fdIdentity,
  fdSize,
  memfdSeals,
  openFdCount,
  plainDevice,
  readFdInfo,
  SEEK_CUR,
  sealMemfd,
  seekFd,
} from '../src/index.js';
import { memfdExporterPlugin } from '../src/testing/index.js';

const junk: unknown[] = [undefined, null, -1, 1.5, Number.NaN, 2 ** 53, 'x', {}, [], () => 0, 10n];

let fw: Framework;
let before: number;
beforeAll(async () => {
  before = openFdCount();
  fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
});
afterAll(async () => {
  await fw.close();
  expect(openFdCount()).toBe(before);
});

function expectTyped(fn: () => unknown): DmaBufError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DmaBufError);
    expect((e as DmaBufError).code).toMatch(/^E[A-Z]+$/);
    return e as DmaBufError;
  }
  throw new Error('expected a DmaBufError');
}

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
        get: (x: number) => fw.get(x),
      })) {
        try {
          expectTyped(() => fn(v as number));
        } catch (e) {
          throw new Error(`${name}(${String(v)}): ${(e as Error).message}`);
        }
      }
    }
    const e = expectTyped(() => dupFd(987_654));
    expect(e.code).toBe('EBADF');
    expect(e.errno).toBe(9);
    expect(e.syscall).toBe('fcntl(F_DUPFD_CLOEXEC)');
    expect(e.message).toMatch(/Pass an open file descriptor/);
    expectTyped(() => closeFd(987_654));
    expectTyped(() => seekFd(0, 0, 7));
    expectTyped(() => seekFd(0, 0.5, SEEK_CUR));
  });

  it('export rejects wrong sizes, names, formats and unknown exporters', () => {
    for (const size of [0, -4096, 1.5, 'big', 2 ** 41, Number.POSITIVE_INFINITY]) {
      expectTyped(() => fw.export({ size: size as number }));
    }
    expectTyped(() => fw.export({ size: 4096, name: 'n'.repeat(40) }));
    expectTyped(() => fw.export({ size: 4096, format: 'TOOLONG' }));
    expectTyped(() => fw.export({ width: 10, height: 10, format: 'ZZZZ' }));
    expectTyped(() => fw.export({ exporter: 'none', size: 4096 }));
    expectTyped(() => fw.export(null as never));
    expectTyped(() => fw.export('4096' as never));
  });

  it('buffer methods reject bad modes, devices and directions', () => {
    using buf = fw.export({ size: 4096 });
    expectTyped(() => buf.cpuAccess('write-only' as never));
    expectTyped(() => buf.beginCpuAccess(1 as never));
    expectTyped(() => buf.attach(null as never));
    expectTyped(() => buf.attach({} as never));
    expectTyped(() => buf.setName(42 as never));
    using att = buf.attach(plainDevice('d'));
    expectTyped(() => att.map('up' as never));
    expect(buf.attachments).toHaveLength(1);
  });

  it('computeLayout rejects what is not an exporter name, a request or a size', () => {
    const ok = { constraints: {}, options: {} };
    for (const v of junk) {
      if (typeof v !== 'string') expectTyped(() => computeLayout(v as string, { ...ok, size: 4096 }));
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        expectTyped(() => computeLayout('x', v as never));
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        expectTyped(() => computeLayout('x', { ...ok, constraints: v as never, size: 4096 }));
      if (v !== undefined) {
        expectTyped(() => computeLayout('x', { ...ok, size: v as number }));
        expectTyped(() => computeLayout('x', { ...ok, width: v as number, height: 16 }));
      }
    }
    expectTyped(() => computeLayout('x', ok)); // no size at all
    expectTyped(() => computeLayout('x', { ...ok, width: 16, height: 16, format: 'NOPE' }));
    expect(computeLayout('x', { ...ok, size: 1 }).size).toBe(4096);
  });

  it('memfd helpers explain seal refusals', () => {
    const fd = createMemfd('no-sealing', 4096, { allowSealing: false });
    const e = expectTyped(() => sealMemfd(fd, ['shrink']));
    expect(e.code).toBe('EPERM');
    expect(e.message).toMatch(/MFD_ALLOW_SEALING/);
    closeFd(fd);
    const sealed = createMemfd('sealed', 4096, { seals: ['shrink', 'seal'] });
    expect([...memfdSeals(sealed)].sort()).toEqual(['seal', 'shrink']);
    expect(expectTyped(() => sealMemfd(sealed, ['grow'])).code).toBe('EPERM');
    closeFd(sealed);
    expectTyped(() => createMemfd('x', -1));
    expectTyped(() => createMemfd(7 as never, 4096));
    const { openSync, closeSync } = require('node:fs') as typeof import('node:fs');
    const file = openSync('/proc/self/status', 'r');
    expect(expectTyped(() => sealMemfd(file, ['shrink'])).message).toMatch(/is not a memfd/);
    closeSync(file);
  });
});

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
