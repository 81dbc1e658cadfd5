import { describe, expect, it } from 'vitest';
import {
  checkLayout,
  closeFd,
  createMemfd,
  Framework,
  InvalidArgumentError,
  importSyncFile,
  memfdSeals,
  mergeConstraints,
  plainDevice,
  SyncFile,
  sealMemfd,
} from '../src/index.js';
import { memfdExporterPlugin, refusalOf } from '../src/testing/index.js';
import { useMemfdFramework } from './fixtures/memfd-framework.js';

const MEMFD = 'dmabuf-test'; // adopted by the memfd test exporter

// Issue 15: each case below was found by a junk-argument sweep and failed before its fix.

const framework = useMemfdFramework();

function invalid(fn: () => unknown, name: string): InvalidArgumentError {
  const e = refusalOf(fn, InvalidArgumentError);
  expect(e.message).toMatch(new RegExp(`for ${name}\\S* but received`));
  return e;
}

describe('caller-given layouts are checked against the real size', () => {
  it('fw.get(fd, layout) refuses a layout larger than the buffer (was SIGBUS past the end)', () => {
    const fd = createMemfd(MEMFD, 4096);
    try {
      const e = refusalOf(() =>
        framework().get(fd, { size: 1 << 20, planes: [{ offset: 0, pitch: 0, size: 1 << 20 }] }),
      );
      expect(e.message).toMatch(/real size, 4096 bytes.*1048576/);
      expect(framework().buffers()).toHaveLength(0);
    } finally {
      closeFd(fd);
    }
  });

  it('fw.get(fd, layout) refuses a plane past the end of the layout and junk layouts', () => {
    const fd = createMemfd(MEMFD, 8192);
    try {
      refusalOf(() => framework().get(fd, { size: 4096, planes: [{ offset: 4096, pitch: 0, size: 4096 }] }));
      for (const junk of [
        {},
        null,
        5,
        'x',
        { size: 4096 },
        { size: 4096, planes: [null] },
        { size: -1, planes: [] },
      ]) {
        invalid(() => framework().get(fd, junk as never), 'layout');
      }
      expect(framework().buffers()).toHaveLength(0);
      using ok = framework().get(fd, { size: 4096, planes: [{ offset: 0, pitch: 0, size: 4096 }] });
      expect(ok.size).toBe(4096);
    } finally {
      closeFd(fd);
    }
  });
});

describe('export', () => {
  it('a refused export leaves nothing behind', () => {
    const n = framework().buffers().length;
    for (const opts of [
      { size: 4096, constraints: -1 },
      { size: 4096, constraints: { minSize: 'x' } },
      { size: 4096, options: 5 },
      { width: 10, height: 10, format: 'ZZZZ' },
    ]) {
      try {
        refusalOf(() => framework().export(opts as never));
      } catch (e) {
        throw new Error(
          `${JSON.stringify(opts)}: ${(e as Error).message}; ${framework().buffers().length - n} left`,
        );
      }
    }
    expect(framework().buffers()).toHaveLength(n);
  });

  it('constraints that are not constraints are refused naming the field', () => {
    invalid(() => framework().export({ size: 4096, constraints: -1 as never }), 'constraints');
    invalid(() => framework().export({ size: 4096, constraints: { alignment: 3 } }), 'constraints.alignment');
  });
});

describe('memfd helpers', () => {
  it('sealMemfd refuses a string or an unknown seal name', () => {
    const fd = createMemfd('s', 4096);
    try {
      invalid(() => sealMemfd(fd, 'write' as never), 'seals');
      invalid(() => sealMemfd(fd, ['wirte'] as never), 'seals\\[0\\]');
      expect(memfdSeals(fd).size).toBe(0);
      invalid(() => sealMemfd(undefined as never, ['shrink']), 'fd');
      invalid(() => memfdSeals(null as never), 'fd');
      invalid(() => createMemfd('n', 4096, null as never), 'options');
      invalid(() => createMemfd('n', 4096, { seals: 'grow' as never }), 'seals');
    } finally {
      closeFd(fd);
    }
  });
});

describe('typed refusals instead of TypeErrors', () => {
  it('buf.mmap(null), checkLayout, plainDevice, mergeConstraints', () => {
    using buf = framework().export({ size: 4096 });
    invalid(() => buf.mmap(null as never), 'options');
    const layout = { size: 4096, planes: [{ offset: 0, pitch: 0, size: 4096 }] };
    invalid(() => checkLayout(layout, undefined as never, 'b'), 'party');
    invalid(() => checkLayout(null as never, { label: 'x', constraints: {} }, 'b'), 'layout');
    invalid(() => plainDevice('d', null as never), 'constraints');
    invalid(() => plainDevice(5 as never), 'name');
    invalid(() => mergeConstraints(null as never), 'parties');
    invalid(() => mergeConstraints([null] as never), 'parties\\[0\\]');
    invalid(() => mergeConstraints([{ label: 'a', constraints: 7 }] as never), 'parties\\[0\\].constraints');
  });
});

describe('CPU access scopes', () => {
  it('ending a scope after the buffer was put does not throw', () => {
    const buf = framework().export({ size: 4096 });
    expect(() => {
      using access = buf.cpuAccess('write');
      access.bytes[0] = 1;
      buf.put();
    }).not.toThrow();
  });

  it('ending a scope after the framework closed does not throw', async () => {
    const fw2 = await Framework.create({ plugins: [memfdExporterPlugin()] });
    const buf = fw2.export({ size: 4096 });
    const access = buf.cpuAccess('read');
    await fw2.close();
    expect(() => access.end()).not.toThrow();
    expect(access.open).toBe(false);
  });
});

describe('SyncFile', () => {
  it('refuses an fd that is not a sync_file, and the caller keeps it', () => {
    const fd = createMemfd('not-a-fence', 4096);
    try {
      const e = invalid(() => new SyncFile(fd), 'fd');
      expect(e.message).toMatch(/sync_file/);
      expect(memfdSeals(fd)).toBeDefined(); // still open
    } finally {
      closeFd(fd);
    }
    expect(typeof importSyncFile).toBe('function');
  });
});
