import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRNO } from '../errno.js';
import { DmaBufError, LifecycleError, NegotiationError, PluginError, ReleasedError } from '../errors.js';
import type { AttachmentInfo, ExportedBuffer, ExporterPlugin } from '../exporter.js';
import { openFdCount } from '../fd-info.js';
import { fdIdentity, fdSize, isCloexec } from '../fd-ops.js';
import type { ExportOptions, Framework } from '../framework.js';
import { plainDevice } from '../importer.js';
import { native } from '../native.js';
import type { SgTable } from '../sg-table.js';
import { refusalOf } from './refusal-of.js';

/** What `describeExporterContract` needs from its setup: the framework holding the exporter under test, how to export from it, and what the exporter can do. */
export interface ContractSetup {
  /** The framework with the exporter under test registered; the suite closes it after the last case. */
  framework: Framework;
  /** What to export in each case (exporter name, size or image). */
  exportOptions: ExportOptions;
  /** The exporter can allocate late (exportOptions without size works after an attach with minSize). */
  lateAllocation?: boolean;
  /** Tear down anything besides the framework. */
  close?: () => Promise<void> | void;
}

/**
 * The exporter contract: every exporter plugin, the host test exporter and
 * the real drivers in the lab, must pass this same suite.
 */
export function describeExporterContract(name: string, setup: () => Promise<ContractSetup>): void {
  describe(`exporter contract: ${name}`, () => {
    let s: ContractSetup;
    let fw: Framework;
    beforeAll(async () => {
      s = await setup();
      fw = s.framework;
    });
    afterAll(async () => {
      await s?.framework.close();
      await s?.close?.();
    });
    const exp = () => fw.export(s.exportOptions);

    it('exports a real fd whose lseek size matches the layout', () => {
      const buf = exp();
      const fd = buf.fd();
      try {
        expect(fdSize(fd)).toBe(buf.size);
        expect(buf.layout.planes.length).toBeGreaterThan(0);
        expect(isCloexec(fd)).toBe(true);
        expect(fdIdentity(fd).key).toBe(buf.identity);
      } finally {
        native().close(fd);
        buf.put();
      }
    });

    it('fd() hands out a new fd each call, all of the same buffer', () => {
      const buf = exp();
      const a = buf.fd();
      const b = buf.fd();
      expect(a).not.toBe(b);
      expect(fdIdentity(a).key).toBe(fdIdentity(b).key);
      native().close(a);
      native().close(b);
      buf.put();
    });

    it('get(fd) gives back the same object for a buffer this process holds', () => {
      const buf = exp();
      const fd = buf.fd();
      const again = fw.get(fd);
      expect(again).toBe(buf);
      expect(buf.refCount).toBe(2);
      again.put();
      native().close(fd);
      buf.put();
      expect(buf.released).toBe(true);
    });

    it('attach → map → unmap → detach → release calls run in order and leave no fd', () => {
      const before = openFdCount();
      const buf = exp();
      const att = buf.attach(plainDevice('contract-device'));
      const m = att.map('to-device');
      const total = m.table.segments.reduce((n, seg) => n + seg.length, 0);
      expect(total).toBe(m.table.size);
      expect(m.table.size).toBeGreaterThanOrEqual(buf.size);
      m.unmap();
      att.detach();
      buf.put();
      expect(openFdCount()).toBe(before);
    });

    it('refuses map after detach, detach while mapped, release with attachments', () => {
      const buf = exp();
      const att = buf.attach(plainDevice('contract-device'));
      const m = att.map();
      expect(() => att.detach()).toThrow(expect.objectContaining({ code: 'EBUSY' }));
      expect(() => buf.put()).toThrow(LifecycleError);
      expect(buf.released).toBe(false);
      m.unmap();
      expect(() => m.unmap()).toThrow(LifecycleError);
      att.detach();
      expect(() => att.map()).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      buf.put();
    });

    it('refuses every use after release with ReleasedError', () => {
      const buf = exp();
      buf.put();
      expect(() => buf.fd()).toThrow(ReleasedError);
      expect(() => buf.attach(plainDevice('late'))).toThrow(ReleasedError);
      expect(() => buf.cpuAccess('read')).toThrow(ReleasedError);
      expect(() => buf.get()).toThrow(ReleasedError);
      expect(() => buf.put()).toThrow(ReleasedError);
    });

    it('CPU access: a pattern written in one scope reads back in another; views die with the scope', () => {
      const buf = exp();
      let stale: Uint8Array;
      {
        using w = buf.cpuAccess('write');
        const bytes = w.bytes;
        for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i / 4096) & 0xff;
        bytes[bytes.length - 1] = 0xa5;
        stale = bytes;
      }
      expect(stale.byteLength).toBe(0);
      {
        using r = buf.cpuAccess('read');
        const bytes = r.bytes;
        for (let i = 0; i < bytes.length; i += 4096) expect(bytes[i]).toBe((i / 4096) & 0xff);
        expect(bytes[bytes.length - 1]).toBe(0xa5);
      }
      buf.put();
      expect(native().liveMappings()).toBe(0);
    });

    it('refuses an attach whose constraints the buffer cannot meet, naming both numbers', () => {
      const buf = exp();
      const need = buf.size + 4096;
      const e = refusalOf(() => buf.attach(plainDevice('big-device', { minSize: need })), NegotiationError);
      expect(e.message).toContain(String(need));
      expect(e.message).toContain(String(buf.size));
      expect(buf.attachments.length).toBe(0);
      buf.put();
    });

    it('bad arguments are typed errors', () => {
      expect(() => fw.export({ ...s.exportOptions, size: -1 })).toThrow(DmaBufError);
      expect(() => fw.get(-1)).toThrow(DmaBufError);
      const buf = exp();
      // @ts-expect-error wrong direction on purpose
      expect(() => buf.attach(plainDevice('d')).map('sideways')).toThrow(DmaBufError);
      for (const a of buf.attachments) a.detach();
      buf.put();
    });

    it("another framework given the fd adopts it as this exporter's buffer: same exp_name, size and bytes", async () => {
      const other = await setup();
      const buf = exp();
      {
        using w = buf.cpuAccess('write');
        w.bytes[w.bytes.length - 1] = 0x5a;
      }
      const fd = buf.fd();
      try {
        const got = other.framework.get(fd);
        expect(got).not.toBe(buf);
        expect(got.exporter.name).toBe(buf.exporter.name);
        expect(got.expName).toBe(buf.expName);
        expect(got.size).toBe(buf.size);
        {
          using r = got.cpuAccess('read');
          expect(r.bytes[r.bytes.length - 1]).toBe(0x5a);
        }
        got.put();
      } finally {
        native().close(fd);
        buf.put();
        await other.framework.close();
        await other.close?.();
      }
    });

    it('detach and unmap hooks called again directly are refused with a typed error: an exporter with stats never counts below zero', () => {
      const buf = exp();
      const exporter = buf.exporter as ExporterPlugin & { stats?: Record<string, number> };
      const seen = recordHookArgs(exporter);
      let again: [() => unknown, () => unknown];
      try {
        const att = buf.attach(plainDevice('contract-device'));
        att.map().unmap();
        att.detach();
        const [view, info, table] = [seen.buffer, seen.attachment, seen.table];
        if (!view || !info || !table) throw new Error('the framework called no attach or map hook');
        again = [
          () => exporter.unmap?.(view, info, table, 'bidirectional'),
          () => exporter.detach?.(view, info),
        ];
      } finally {
        seen.restore();
      }
      const before = exporter.stats ? { ...exporter.stats } : undefined;
      for (const call of again) {
        let error: unknown;
        try {
          call();
        } catch (e) {
          error = e;
        }
        // an exporter without counts may take a repeated hook as a no-op; one with stats refuses it
        if (before || error !== undefined) {
          expect(error).toBeInstanceOf(DmaBufError);
          expect((error as DmaBufError).code).toMatch(/^E[A-Z]+$/);
          expect((error as DmaBufError).hint).toBeTruthy();
        }
      }
      if (before) {
        expect(exporter.stats).toEqual(before);
        for (const [k, n] of Object.entries(exporter.stats ?? {})) expect(n, k).toBeGreaterThanOrEqual(0);
      }
      buf.put();
    });

    for (const hook of ['attach', 'map', 'unmap', 'detach'] as const) {
      it(`a throwing ${hook} hook comes back as a PluginError naming the exporter and hook, with the cause's code and hint; nothing leaks`, () => {
        const before = openFdCount();
        const buf = exp();
        const restore = injectFailure(buf.exporter, hook);
        const expectReported = (fn: () => unknown) => {
          const e = refusalOf(fn, PluginError);
          expect(e).toMatchObject({ plugin: buf.exporter.name, hook, code: 'EIO', errno: ERRNO.EIO });
          expect(e.message).toContain(`${buf.exporter.name}: ${hook} failed`);
          expect(e.hint).toContain('exporter contract');
        };
        try {
          if (hook === 'attach') {
            expectReported(() => buf.attach(plainDevice('contract-device')));
            expect(buf.attachments).toHaveLength(0);
          } else {
            const att = buf.attach(plainDevice('contract-device'));
            if (hook === 'map') {
              expectReported(() => att.map());
              expect(att.attached).toBe(true);
              restore();
              att.map().unmap();
              att.detach();
            } else if (hook === 'unmap') {
              const m = att.map();
              expectReported(() => m.unmap());
              expect(m.mapped).toBe(false);
              att.detach();
            } else {
              att.map().unmap();
              expectReported(() => att.detach());
              expect(att.attached).toBe(false);
            }
          }
        } finally {
          restore();
        }
        expect(buf.attachments).toHaveLength(0);
        buf.put();
        expect(openFdCount()).toBe(before);
      });
    }

    it('late allocation satisfies the constraints of every attachment', (ctx) => {
      if (!s.lateAllocation) ctx.skip(`${name} allocates at export only`);
      const { size: _size, width: _w, height: _h, ...rest } = s.exportOptions;
      const buf = fw.export(rest);
      expect(buf.allocated).toBe(false);
      const a = buf.attach(plainDevice('dev-a', { minSize: 3 * 4096 }));
      const b = buf.attach(plainDevice('dev-b', { minSize: 5 * 4096 - 100 }));
      const m = a.map();
      expect(buf.allocated).toBe(true);
      expect(buf.size).toBeGreaterThanOrEqual(5 * 4096 - 100);
      m.unmap();
      expect(() => buf.attach(plainDevice('dev-c', { minSize: buf.size * 2 }))).toThrow(
        /dev-c needs \d+ bytes/,
      );
      a.detach();
      b.detach();
      buf.put();
    });
  });
}

export { type CrossProcessCase, describeCrossProcessSharing } from './cross-process.js';

/**
 * Record what the framework hands a live exporter's attach and map hooks (the buffer view, the
 * attachment info, the table), so a case can call its hooks again directly. Returns them and the undo.
 */
function recordHookArgs(exporter: ExporterPlugin): {
  buffer?: ExportedBuffer;
  attachment?: AttachmentInfo;
  table?: SgTable;
  restore: () => void;
} {
  const target = exporter as unknown as Record<string, unknown>;
  const undo: (() => void)[] = [];
  const seen: ReturnType<typeof recordHookArgs> = {
    restore: () => {
      for (const u of undo.splice(0)) u();
    },
  };
  for (const hook of ['attach', 'map'] as const) {
    const own = Object.hasOwn(target, hook);
    const original = target[hook] as ((...args: unknown[]) => unknown) | undefined;
    target[hook] = (...args: unknown[]) => {
      seen.buffer = args[0] as ExportedBuffer;
      seen.attachment = args[1] as AttachmentInfo;
      const r = original?.apply(exporter, args);
      if (hook === 'map') seen.table = r as SgTable;
      return r;
    };
    undo.push(() => {
      if (own) target[hook] = original;
      else delete target[hook];
    });
  }
  return seen;
}

/**
 * Make one hook of a live exporter throw a typed error, as a driver failing
 * would: attach and map fail before the hook runs, unmap and detach after it
 * did its work (so the exporter's state stays whole). Returns the undo.
 */
function injectFailure(exporter: ExporterPlugin, hook: 'attach' | 'map' | 'unmap' | 'detach'): () => void {
  const target = exporter as unknown as Record<string, unknown>;
  const own = Object.hasOwn(target, hook);
  const original = target[hook] as ((...args: unknown[]) => unknown) | undefined;
  const failure = () =>
    new DmaBufError(`injected ${hook} failure`, {
      code: 'EIO',
      errno: ERRNO.EIO,
      syscall: 'contract',
      hint: 'injected by the exporter contract suite',
    });
  target[hook] = (...args: unknown[]) => {
    if (hook === 'attach' || hook === 'map') throw failure();
    original?.apply(exporter, args);
    throw failure();
  };
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    if (own) target[hook] = original;
    else delete target[hook];
  };
}

export { describeImporterContract, type ImporterContractSetup } from './importer-contract.js';
