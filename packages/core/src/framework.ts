import 'reflect-metadata';
import { type DependencyContainer, container as rootContainer } from 'tsyringe';
import type { Constraints } from './constraints.js';
import { type BufferOwner, DmaBuf } from './dma-buf.js';
import { DmaBufError, invalidArgument } from './errors.js';
import type { ExporterPlugin } from './exporter.js';
import { readFdInfo } from './fd-info.js';
import { dupFd, fdIdentity, fdSize } from './fd-ops.js';
import { foreignExporter } from './foreign-exporter.js';
import { type BufferLayout, linearLayout } from './layout.js';
import { LeakGuard, type LeakReport, warnLeak } from './leak-guard.js';
import { native } from './native.js';
import { callHook, callHookAsync, type DmaBufPlugin } from './plugin.js';
import { ExporterRegistry } from './registry.js';
import { TOKENS } from './tokens.js';
import { assertFd, assertObject, assertPositive, assertString } from './validate.js';

export interface FrameworkOptions {
  /** Plugin modules: each registers exporters (and services) in this framework's container. */
  plugins?: readonly DmaBufPlugin[];
  /** Exporters to register directly, without a plugin module. */
  exporters?: readonly ExporterPlugin[];
  /** Where leaked-buffer reports go (default: one process warning each). */
  onLeak?: (report: LeakReport) => void;
}

export interface ExportOptions {
  /** Exporter plugin name; optional when exactly one exporter is registered. */
  exporter?: string;
  /** Bytes. Omit (with no width/height) for late allocation at the first map. */
  size?: number;
  width?: number;
  height?: number;
  /** DRM fourcc, e.g. 'XR24'. */
  format?: string;
  /** Constraints the buffer must meet besides those of later attachments. */
  constraints?: Constraints;
  /** Exporter-specific options. */
  options?: Record<string, unknown>;
  /** DMA_BUF_SET_NAME once allocated. */
  name?: string;
  /** Defer allocation to the first map even though the size is known. */
  lazy?: boolean;
}

/**
 * One dma-buf framework instance: a child DI container with its plugins, the
 * table of buffers this process holds (by identity), and the safety net.
 * Close it (or `await using`) to release everything it owns.
 */
export class Framework implements AsyncDisposable {
  readonly container: DependencyContainer;
  readonly exporters: ExporterRegistry;
  readonly #plugins: readonly DmaBufPlugin[];
  readonly #byIdentity = new Map<string, WeakRef<DmaBuf>>();
  readonly #all = new Map<number, WeakRef<DmaBuf>>();
  readonly #owner: BufferOwner;
  #closed = false;

  private constructor(
    container: DependencyContainer,
    plugins: readonly DmaBufPlugin[],
    onLeak: (r: LeakReport) => void,
  ) {
    this.container = container;
    this.#plugins = plugins;
    this.exporters = container.resolve(ExporterRegistry);
    const leakGuard = new LeakGuard();
    this.#owner = {
      leakGuard,
      leakSink: onLeak,
      remember: (key, buf) => this.#byIdentity.set(key, new WeakRef(buf)),
      forget: (key, buf) => {
        if (this.#byIdentity.get(key)?.deref() === buf) this.#byIdentity.delete(key);
      },
      track: (buf) => this.#all.set(buf.id, new WeakRef(buf)),
      untrack: (buf) => this.#all.delete(buf.id),
    };
  }

  /** Create a framework with its plugins registered and initialized. */
  static async create(options: FrameworkOptions = {}): Promise<Framework> {
    assertObject('options', options);
    native();
    const plugins = options.plugins ?? [];
    const child = rootContainer.createChildContainer();
    child.registerInstance(TOKENS.FrameworkOptions, options);
    child.registerInstance(TOKENS.Exporter, foreignExporter);
    for (const e of options.exporters ?? []) child.registerInstance(TOKENS.Exporter, e);
    for (const p of plugins) callHook(p.name, 'register', () => p.register(child));
    const onLeak = options.onLeak ?? warnLeak;
    child.registerInstance(TOKENS.LeakReporter, onLeak);
    const fw = new Framework(child, plugins, onLeak);
    child.registerInstance(TOKENS.Framework, fw);
    const started: DmaBufPlugin[] = [];
    try {
      for (const p of plugins) {
        if (p.initialize) await callHookAsync(p.name, 'initialize', () => p.initialize!(child));
        started.push(p);
      }
    } catch (e) {
      for (const p of started.reverse()) await p.shutdown?.(child);
      await child.dispose();
      throw e;
    }
    return fw;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Export a new buffer from an exporter plugin. */
  export(options: ExportOptions): DmaBuf {
    this.#assertOpen();
    assertObject('options', options);
    const exporter = this.#pickExporter(options.exporter);
    for (const k of ['size', 'width', 'height'] as const) {
      if (options[k] !== undefined) assertPositive(k, options[k], 2 ** 40);
    }
    if (options.format !== undefined) assertString('format', options.format, 4);
    if (options.name !== undefined) assertString('name', options.name, 31);
    const request = {
      ...(options.size !== undefined ? { size: options.size } : {}),
      ...(options.width !== undefined ? { width: options.width } : {}),
      ...(options.height !== undefined ? { height: options.height } : {}),
      ...(options.format !== undefined ? { format: options.format } : {}),
      constraints: options.constraints ?? {},
      options: options.options ?? {},
    };
    const buf = new DmaBuf(this.#owner, exporter, {
      kind: 'export',
      request,
      ...(options.name !== undefined ? { name: options.name } : {}),
    });
    const sized = options.size !== undefined || options.width !== undefined;
    if (sized && !options.lazy) buf.allocate();
    return buf;
  }

  /**
   * The buffer object of a dma-buf fd. For a buffer this process already
   * holds (same identity), the same object with one more reference; else a new
   * one built by the exporter matched by exp_name. The caller keeps `fd`
   * (it is duplicated, never taken) and must put() the result.
   */
  get(fd: number, layout?: BufferLayout): DmaBuf {
    this.#assertOpen();
    assertFd('fd', fd);
    const id = fdIdentity(fd);
    const known = this.#byIdentity.get(id.key)?.deref();
    if (known && !known.released) return known.get();
    const info = readFdInfo(fd);
    const exporter = this.exporters.match(info);
    const own = dupFd(fd);
    try {
      const l = layout ?? linearLayout(info.size ?? fdSize(own));
      const allocation = exporter.adopt
        ? callHook(exporter.name, 'adopt', () => exporter.adopt!(own, info, l))
        : { fd: own, layout: l, priv: undefined };
      return new DmaBuf(this.#owner, exporter, {
        kind: 'adopt',
        allocation,
        expName: info.expName ?? exporter.name,
      });
    } catch (e) {
      native().close(own);
      throw e;
    }
  }

  /** Buffers of this framework that are not released yet (pending ones included). */
  buffers(): DmaBuf[] {
    const out: DmaBuf[] = [];
    for (const [id, ref] of this.#all) {
      const b = ref.deref();
      if (b && !b.released) out.push(b);
      else if (!b) this.#all.delete(id);
    }
    return out;
  }

  /** Release every buffer (unmapping and detaching what is left), shut plugins down, dispose the container. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const errors: unknown[] = [];
    for (const b of this.buffers()) {
      try {
        b.teardown();
      } catch (e) {
        errors.push(e);
      }
    }
    for (const p of [...this.#plugins].reverse()) {
      try {
        if (p.shutdown) await callHookAsync(p.name, 'shutdown', () => p.shutdown!(this.container));
      } catch (e) {
        errors.push(e);
      }
    }
    await this.container.dispose();
    if (errors.length)
      throw new AggregateError(errors, `framework close: ${errors.length} error(s) while releasing`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #pickExporter(name: string | undefined): ExporterPlugin {
    if (name !== undefined) {
      assertString('exporter', name);
      return this.exporters.byName(name);
    }
    const list = this.exporters.list();
    if (list.length === 1) return list[0]!;
    throw invalidArgument(
      'exporter',
      list.length ? `one of ${list.map((e) => `'${e.name}'`).join(', ')}` : 'a registered exporter',
      undefined,
      list.length
        ? 'Name the exporter: framework.export({ exporter, size })'
        : 'Register an exporter plugin in Framework.create({ plugins })',
    );
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new DmaBufError('the framework is closed', { code: 'EBADF', hint: 'Create a new Framework' });
  }
}
