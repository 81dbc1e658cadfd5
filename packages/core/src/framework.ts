import 'reflect-metadata';
import { type DependencyContainer, container as rootContainer } from 'tsyringe';
import { BufferTable } from './buffer-table.js';
import { type Constraints, NO_CONSTRAINTS } from './constraints.js';
import { brief, debugLog } from './debug-log.js';
import { type BufferOwner, DmaBuf, settleBuffer } from './dma-buf.js';
import { DmaBufError, invalidArgument } from './errors.js';
import type { AllocationRequest, ExporterPlugin } from './exporter.js';
import { readFdInfo } from './fd-info.js';
import { closeFd, dupFd, type FdStat, fdSize, identityKey, loadCoreAddon, statFd } from './fd-ops.js';
import { foreignExporter } from './foreign-exporter.js';
import { callHook, callHookAsync } from './hook.js';
import { type BufferLayout, linearLayout } from './layout.js';
import { LeakGuard, type LeakReport, warnLeak } from './leak-guard.js';
import type { DmaBufPlugin } from './plugin.js';
import { ExporterRegistry } from './registry.js';
import { TOKENS } from './tokens.js';
import { assertFd, assertObject, assertPositive, assertString } from './validate.js';
import { assertConstraints } from './validate-constraints.js';
import { assertLayout } from './validate-layout.js';

/** NODE_DEBUG=dmabuf or dmabuf:core */
const debug = debugLog('core');

/** Options of `Framework.create`: the plugins (or bare exporters) to register and where leak reports go. */
export interface FrameworkOptions {
  /** Plugin modules: each registers exporters (and services) in this framework's container. */
  plugins?: readonly DmaBufPlugin[];
  /** Exporters to register directly, without a plugin module. */
  exporters?: readonly ExporterPlugin[];
  /** Where leaked-buffer reports go (default: one process warning each). */
  onLeak?: (report: LeakReport) => void;
}

/** What to export: from which exporter, how big (bytes, or an image), with which constraints and name; `framework.export(options)`. */
export interface ExportOptions {
  /** Exporter plugin name; optional when exactly one exporter is registered. */
  exporter?: string;
  /** Bytes. Omit (with no width/height) for late allocation at the first map. */
  size?: number;
  /** Image width in pixels (with height and format: an image, laid out from the format table). */
  width?: number;
  /** Image height in pixels. */
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
  /** This framework's child DI container: its plugins are registered here; closing the framework disposes it. */
  readonly container: DependencyContainer;
  /** The exporter plugins of this framework, by name (and the matcher of received fds by exp_name). */
  readonly exporters: ExporterRegistry;
  readonly #plugins: readonly DmaBufPlugin[];
  /** Buffers by identity key (see identityKey), for get(fd). */
  readonly #byIdentity = new Map<number | string, WeakRef<DmaBuf>>();
  /** Every buffer not released yet, pending ones included. */
  readonly #buffers = new BufferTable<DmaBuf>(settleBuffer);
  /** Buffers allocated since the last indexing that may not be in #byIdentity yet (an upper bound). */
  #unindexed = 0;
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
    const table = this.#buffers;
    const byIdentity = this.#byIdentity;
    this.#owner = {
      leakGuard: new LeakGuard(onLeak),
      deferIdentity: () => {
        this.#unindexed++;
      },
      remember: (key, buf) => {
        const ref = new WeakRef(buf);
        byIdentity.set(key, ref);
        return ref;
      },
      forget: (key, ref) => {
        if (byIdentity.get(key) === ref) byIdentity.delete(key);
      },
      track: (buf) => table.add(buf),
      untrack: (slot) => table.remove(slot),
    };
  }

  /** Create a framework with its plugins registered and initialized. */
  static async create(options: FrameworkOptions = {}): Promise<Framework> {
    assertObject('options', options);
    loadCoreAddon();
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
    if (debug.enabled)
      debug('framework created: plugins %s', plugins.map((p) => p.name).join(', ') || 'none');
    return fw;
  }

  /** True once close() started: every call then refuses with EBADF. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Export a new buffer from an exporter plugin. */
  export(options: ExportOptions): DmaBuf {
    this.#assertOpen();
    assertObject('options', options);
    const exporter = this.#pickExporter(options.exporter);
    const { size, width, height, format, name } = options;
    if (size !== undefined) assertPositive('size', size, 2 ** 40);
    if (width !== undefined) assertPositive('width', width, 2 ** 40);
    if (height !== undefined) assertPositive('height', height, 2 ** 40);
    if (format !== undefined) assertString('format', format, 4);
    if (name !== undefined) assertString('name', name, 31);
    if (options.constraints !== undefined) assertConstraints('constraints', options.constraints);
    if (options.options !== undefined) assertObject('options.options', options.options);
    // only the fields that were given
    const request: AllocationRequest = {
      constraints: options.constraints ?? NO_CONSTRAINTS,
      options: options.options ?? {},
    };
    if (size !== undefined) request.size = size;
    if (width !== undefined) request.width = width;
    if (height !== undefined) request.height = height;
    if (format !== undefined) request.format = format;
    const buf = new DmaBuf(
      this.#owner,
      exporter,
      name !== undefined ? { kind: 'export', request, name } : { kind: 'export', request },
    );
    const sized = size !== undefined || width !== undefined;
    if (debug.enabled)
      debug('%s: export %s', buf.label, brief(name === undefined ? request : { ...request, name }));
    if (sized && !options.lazy) {
      try {
        buf.allocate();
      } catch (e) {
        // a refused export leaves nothing behind: not even a pending buffer
        if (!buf.released) buf.teardown();
        throw e;
      }
    }
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
    if (layout !== undefined) assertLayout('layout', layout);
    return this.getStated(fd, statFd(fd), layout);
  }

  /**
   * @internal get() for a caller that has the fstat of fd already (the
   * channel checks a received buffer's size first): no second fstat.
   */
  getStated(fd: number, st: FdStat, layout?: BufferLayout): DmaBuf {
    this.#assertOpen();
    const key = identityKey(st.dev, st.ino);
    let known = this.#byIdentity.get(key)?.deref();
    if (!known && this.#unindexed > 0) {
      this.#indexAll();
      known = this.#byIdentity.get(key)?.deref();
    }
    if (known && !known.released) {
      if (debug.enabled) debug('get(fd %d): %s, already known', fd, known.label);
      return known.get();
    }
    const info = readFdInfo(fd);
    const exporter = this.exporters.match(info);
    if (debug.enabled)
      debug(
        'get(fd %d): adopting a %s buffer of %s bytes by %s',
        fd,
        info.expName ?? '?',
        info.size ?? '?',
        exporter.name,
      );
    const own = dupFd(fd);
    try {
      const real = info.size ?? (st.size > 0 ? st.size : fdSize(own));
      // a caller's layout larger than the buffer would map past its end (SIGBUS)
      if (layout !== undefined) assertLayout('layout', layout, real);
      const l = layout ?? linearLayout(real);
      const allocation = exporter.adopt
        ? callHook(exporter.name, 'adopt', () => exporter.adopt!(own, info, l))
        : { fd: own, layout: l, priv: undefined };
      return new DmaBuf(this.#owner, exporter, {
        kind: 'adopt',
        allocation,
        expName: info.expName ?? exporter.name,
        // the stat of `fd` is the stat of its duplicate `own`
        ...(allocation.fd === own ? { stat: st } : {}),
      });
    } catch (e) {
      closeFd(own);
      throw e;
    }
  }

  /**
   * Index every allocated buffer not indexed yet (exported buffers are
   * indexed lazily: an fstat per buffer only once an fd is looked up).
   */
  #indexAll(): void {
    this.#unindexed = 0;
    for (const b of this.#buffers.values()) {
      if (!b.allocated) continue;
      try {
        b.indexIdentity();
      } catch {
        // its fd cannot be stat'ed (closed behind our back): it cannot be the fd looked up
      }
    }
  }

  /** Buffers of this framework that are not released yet (pending ones included). */
  buffers(): DmaBuf[] {
    return this.#buffers
      .values()
      .filter((b) => !b.released)
      .sort((a, b) => a.id - b.id); // creation order, as slots are reused
  }

  /** Release every buffer (unmapping and detaching what is left), shut plugins down, dispose the container. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (debug.enabled) debug('framework close: %d buffer(s) left to tear down', this.buffers().length);
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

  /** `await using`: close() when the scope ends. */
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
