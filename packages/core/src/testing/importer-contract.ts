import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DmaBuf } from '../dma-buf.js';
import { ERRNO } from '../errno.js';
import {
  DmaBufError,
  InvalidArgumentError,
  LifecycleError,
  NegotiationError,
  PluginError,
  ReleasedError,
} from '../errors.js';
import { openFdCount } from '../fd-info.js';
import type { ExportOptions } from '../framework.js';
import { Framework } from '../framework.js';
import type { Importer, ImporterAttachment } from '../importer.js';
import { native } from '../native.js';
import type { MapDirection } from '../sg-table.js';
import { refusalOf } from './refusal-of.js';

/** What `describeImporterContract` needs: a framework that makes buffers the importer takes, and the importer. */
export interface ImporterContractSetup<H = unknown, C = unknown> {
  /** Makes the buffers each case attaches (closed by the suite). */
  framework: Framework;
  /** A buffer the importer accepts. */
  exportOptions: ExportOptions;
  /** The importer under test (the suite wraps it to record and to inject failures; it is never changed). */
  importer: Importer<H, C>;
  /** The direction of every map (default 'to-device'). */
  direction?: MapDirection;
  /** What `attachment.map(direction, context)` passes for a buffer (a V4L2 slot assignment); undefined by default. */
  mapContext?: (buf: DmaBuf) => C;
  /** A key of the device-side handle that names the buffer on the device (a GEM handle): the same buffer adopted from its fd must give the same key. */
  handleKey?: (handle: H) => unknown;
  /**
   * A buffer the importer must refuse at attach: its options, the words the
   * refusal must contain (besides the importer's name), and who refuses:
   * 'constraints' (default: the core, from the importer's constraints, with a
   * NegotiationError before any hook runs) or 'device' (the driver, from
   * onAttach, with a typed error the core reports as a PluginError). Absent:
   * the case is skipped with `noRefusal` as the reason.
   */
  refused?: {
    /** What to export: a buffer this importer cannot take. */
    exportOptions: ExportOptions;
    /** Words (sizes, formats, driver names) the refusal's message must contain. */
    mentions: readonly (string | number)[];
    /** Who refuses: the core from the constraints (default), or the driver in onAttach. */
    by?: 'constraints' | 'device';
  };
  /** Why no buffer can be refused (shown as the skipped case's name). */
  noRefusal?: string;
  /** The framework that receives a buffer's fd in the adoption case (closed by the suite); default a framework with no plugins, which adopts any real dma-buf through the foreign exporter. */
  receiver?: () => Promise<Framework>;
  /** Tear down anything besides the framework (devices, queues). */
  close?: () => Promise<void> | void;
}

type Hook = 'onAttach' | 'onMap' | 'onUnmap' | 'onDetach';

/** The importer under test, with every hook call recorded and, optionally, one hook made to throw. */
class Recorder<H, C> {
  readonly calls: string[] = [];
  failing: Hook | undefined;
  readonly importer: Importer<H, C>;

  constructor(inner: Importer<H, C>) {
    const rec = this;
    const fail = (hook: Hook) => {
      if (rec.failing !== hook) return;
      throw new DmaBufError(`injected ${hook} failure`, {
        code: 'EIO',
        errno: ERRNO.EIO,
        syscall: 'contract',
        hint: 'injected by the importer contract suite',
      });
    };
    // onAttach and onMap fail before the device does anything; onUnmap and
    // onDetach after it let go, as a device whose teardown reports an error.
    this.importer = {
      get name() {
        return inner.name;
      },
      constraints: inner.constraints ? () => inner.constraints!() : undefined,
      onAttach(att: ImporterAttachment) {
        rec.calls.push('onAttach');
        fail('onAttach');
        inner.onAttach?.(att);
      },
      onMap(att, table, direction, context) {
        rec.calls.push('onMap');
        fail('onMap');
        return inner.onMap ? inner.onMap(att, table, direction, context) : (undefined as H);
      },
      onUnmap(att, handle) {
        rec.calls.push('onUnmap');
        inner.onUnmap?.(att, handle);
        fail('onUnmap');
      },
      onDetach(att) {
        rec.calls.push('onDetach');
        inner.onDetach?.(att);
        fail('onDetach');
      },
    };
  }

  take(): string[] {
    return this.calls.splice(0);
  }
}

/**
 * The importer contract: every importer (a DRM device, a V4L2 queue,
 * `plainDevice`) must pass this same suite. It checks that the core calls the
 * importer's hooks in order (attach → map → unmap → detach) and none for a
 * refused step, that a buffer the device cannot take is refused with a typed
 * error naming the device (a NegotiationError when its constraints say so
 * first), that a buffer adopted from a received
 * fd imports as the same buffer, and that a throwing hook comes back as a
 * PluginError naming the importer and the hook, carrying the cause's code and
 * hint, with nothing leaked.
 */
export function describeImporterContract<H, C>(
  name: string,
  setup: () => Promise<ImporterContractSetup<H, C>>,
): void {
  describe(`importer contract: ${name}`, () => {
    let s: ImporterContractSetup<H, C>;
    let rec: Recorder<H, C>;
    beforeAll(async () => {
      s = await setup();
      rec = new Recorder(s.importer);
      // one export first: what an exporter opens once (/dev/udmabuf) is not a leak of any case
      s.framework.export(s.exportOptions).put();
    });
    afterAll(async () => {
      await s?.framework.close();
      await s?.close?.();
    });
    const exp = () => s.framework.export(s.exportOptions);
    const dir = () => s.direction ?? 'to-device';
    const ctx = (buf: DmaBuf) => s.mapContext?.(buf);

    it('attach → map → unmap → detach call the hooks in order, give the handle back, and leave no fd', () => {
      const before = openFdCount();
      const buf = exp();
      rec.take();
      const att = buf.attach(rec.importer);
      expect(att.importer).toBe(rec.importer);
      expect(buf.attachments).toContain(att);
      const m = att.map(dir(), ctx(buf));
      expect(m.mapped).toBe(true);
      expect(m.table.size).toBeGreaterThanOrEqual(buf.size);
      if (s.handleKey) expect(s.handleKey(m.handle)).toBeDefined();
      m.unmap();
      att.detach();
      expect(rec.take()).toEqual(['onAttach', 'onMap', 'onUnmap', 'onDetach']);
      buf.put();
      expect(openFdCount()).toBe(before);
    });

    it('the core refuses out-of-order steps with typed errors before any hook runs', () => {
      const buf = exp();
      const att = buf.attach(rec.importer);
      const m = att.map(dir(), ctx(buf));
      rec.take();
      expect(() => att.detach()).toThrow(expect.objectContaining({ code: 'EBUSY' }));
      expect(() => buf.put()).toThrow(LifecycleError);
      m.unmap();
      expect(() => m.unmap()).toThrow(LifecycleError);
      att.detach();
      expect(() => att.detach()).toThrow(LifecycleError);
      expect(() => att.map(dir(), ctx(buf))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      // @ts-expect-error wrong direction on purpose
      expect(() => buf.attach(rec.importer).map('sideways')).toThrow(InvalidArgumentError);
      for (const a of buf.attachments) a.detach();
      expect(rec.take()).toEqual(['onUnmap', 'onDetach', 'onAttach', 'onDetach']);
      buf.put();
      expect(() => buf.attach(rec.importer)).toThrow(ReleasedError);
      expect(rec.take()).toEqual([]);
    });

    it('refuses a buffer it cannot take with a typed error naming the device; nothing stays attached', (c) => {
      if (!s.refused) c.skip(s.noRefusal ?? `${name} declares no buffer to refuse`);
      const refused = s.refused!;
      const byDevice = refused.by === 'device';
      const buf = s.framework.export(refused.exportOptions);
      rec.take();
      const e = refusalOf(() => buf.attach(rec.importer), byDevice ? PluginError : NegotiationError);
      if (e instanceof PluginError) {
        expect(e).toMatchObject({ plugin: s.importer.name, hook: 'onAttach' });
        expect(e.cause).toBeInstanceOf(DmaBufError);
        expect(e.code).not.toBe('EPLUGIN');
        expect(e.hint).toBeTruthy();
      }
      expect(e.message).toContain(s.importer.name);
      for (const word of refused.mentions) expect(e.message).toContain(String(word));
      expect(buf.attachments).toHaveLength(0);
      expect(rec.take()).toEqual(byDevice ? ['onAttach'] : []);
      buf.put();
    });

    it('takes a buffer adopted from a received fd as the same buffer', async () => {
      const before = openFdCount();
      const receiver = await (s.receiver ? s.receiver() : Framework.create());
      const buf = exp();
      const fd = buf.fd();
      try {
        const got = receiver.get(fd, buf.layout);
        expect(got).not.toBe(buf);
        expect(got.identity).toBe(buf.identity);
        const a = buf.attach(rec.importer);
        const b = got.attach(rec.importer);
        const ma = a.map(dir(), ctx(buf));
        const mb = b.map(dir(), ctx(got));
        if (s.handleKey) expect(s.handleKey(mb.handle)).toEqual(s.handleKey(ma.handle));
        mb.unmap();
        b.detach();
        ma.unmap();
        a.detach();
        got.put();
      } finally {
        native().close(fd);
        buf.put();
        await receiver.close();
      }
      expect(openFdCount()).toBe(before);
    });

    for (const hook of ['onAttach', 'onMap', 'onUnmap', 'onDetach'] as const) {
      it(`a throwing ${hook} comes back as a PluginError naming the importer and hook, with the cause's code and hint; nothing leaks`, () => {
        const before = openFdCount();
        const buf = exp();
        rec.take();
        const expectReported = (fn: () => unknown) => {
          const e = refusalOf(fn, PluginError);
          expect(e.plugin).toBe(s.importer.name);
          expect(e.hook).toBe(hook);
          expect(e.message).toContain(s.importer.name);
          expect(e.message).toContain(`injected ${hook} failure`);
          expect(e).toMatchObject({ code: 'EIO', errno: ERRNO.EIO, syscall: 'contract' });
          expect(e.hint).toContain('importer contract');
          expect(e.cause).toBeInstanceOf(DmaBufError);
        };
        rec.failing = hook;
        try {
          if (hook === 'onAttach') {
            expectReported(() => buf.attach(rec.importer));
            expect(buf.attachments).toHaveLength(0);
          } else {
            const att = buf.attach(rec.importer);
            if (hook === 'onMap') {
              expectReported(() => att.map(dir(), ctx(buf)));
              expect(att.attached).toBe(true);
              att.detach();
            } else {
              const m = att.map(dir(), ctx(buf));
              if (hook === 'onUnmap') {
                expectReported(() => m.unmap());
                expect(m.mapped).toBe(false);
                att.detach();
              } else {
                m.unmap();
                expectReported(() => att.detach());
                expect(att.attached).toBe(false);
              }
            }
            expect(buf.attachments).toHaveLength(0);
          }
        } finally {
          rec.failing = undefined;
        }
        buf.put();
        expect(buf.released).toBe(true);
        expect(openFdCount()).toBe(before);
      });
    }
  });
}
