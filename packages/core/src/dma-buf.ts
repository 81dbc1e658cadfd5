import type { Attachment } from './attachment.js';
import { CpuAccess, CpuMapping, type CpuSyncTarget } from './cpu-mapping.js';
import { debugLog } from './debug-log.js';
import { assertDmaBufName, setDmaBufName, syncRaw } from './dma-buf-ioctls.js';
import { ERRNO } from './errno.js';
import { invalidArgument } from './errors.js';
import type { Allocation, AllocationRequest, ExporterPlugin } from './exporter.js';
import { dupFd, type FdStat, identityKey, statFd } from './fd-ops.js';
import { callHook } from './hook.js';
import type { Importer } from './importer.js';
import type { LeakGuard } from './leak-guard.js';
import { BufferLifecycle } from './lifecycle.js';
import { assertNotHeld } from './link/holds.js';
import { mmapFd, populateMapping } from './mmap.js';
import { CPU_ACCESS_MODES, type CpuAccessMode } from './sg-table.js';
import { check } from './syscall.js';
import { assertObject, assertOneOf } from './validate.js';

export type { BufferState } from './buffer-view.js';

const { ENODEV, ENOTTY } = ERRNO;

/**
 * The default CPU-access sync is DMA_BUF_IOCTL_SYNC on the buffer's fd: an
 * exporter whose fd is not a kernel dma-buf (a memfd) must say what CPU
 * access means for it.
 */
function notADmaBufHint(exporter: string): string {
  return `exporter ${exporter} hands out an fd that is not a kernel dma-buf (a memfd?), so the default sync does not apply: give the exporter beginCpuAccess() and endCpuAccess() hooks (empty ones when its memory needs no cache maintenance)`;
}

/** NODE_DEBUG=dmabuf or dmabuf:core */
const debug = debugLog('core');

/** What a DmaBuf needs from the framework that made it (not public API). */
export interface BufferOwner {
  readonly leakGuard: LeakGuard;
  /**
   * A buffer was allocated and not indexed by identity yet: an exported
   * buffer is indexed (one fstat) only when something asks for identities,
   * see indexIdentity().
   */
  deferIdentity(): void;
  /** Index the buffer by identity (see identityKey); returns the entry for forget(). */
  remember(key: number | string, buf: DmaBuf): WeakRef<DmaBuf>;
  /** Drop the identity entry if it is still this one. */
  forget(key: number | string, ref: WeakRef<DmaBuf>): void;
  /** Every buffer, pending ones included, until released; returns the buffer's slot for untrack. */
  track(buf: DmaBuf): number;
  untrack(slot: number): void;
}

/** @internal how a DmaBuf comes to be */
export type BufferSource =
  | { kind: 'export'; request: AllocationRequest; name?: string }
  | { kind: 'adopt'; allocation: Allocation; expName: string; stat?: FdStat };

/**
 * The buffer object: a real dma-buf fd and the exporter that made it.
 *
 * - Reference counted: `get()` adds a reference, `put()` (or `using`) drops
 *   one; the last `put()` releases it. Release with live attachments is
 *   refused (EBUSY), and the reference is kept.
 * - `fd()` hands out a new CLOEXEC fd the caller owns; the buffer's own fd
 *   stays inside and is closed exactly once, at release.
 * - Attach devices with `attach()`; map the attachment for the scatterlist.
 *   A buffer exported without a size is *pending*: it is allocated at the
 *   first map (or fd()/CPU access) to fit every attachment's constraints.
 * - After release every call throws ReleasedError (EBADF).
 *
 * The attach/map/unmap/detach/release state machine is BufferLifecycle's;
 * this class adds references, identity, the leak guard, CPU access and naming.
 */
export class DmaBuf extends BufferLifecycle implements Disposable {
  readonly #owner: BufferOwner;
  /** Its entry in the framework's identity table, once indexed. */
  #ref: WeakRef<DmaBuf> | undefined;
  readonly #slot: number;
  #cpuMappings: Set<CpuMapping> | undefined;
  /** The mapping cpuAccess() scopes share (each gets a view of it that dies with the scope); unmapped at release. */
  #kept: CpuMapping | undefined;
  #refs = 1;
  #dev = 0;
  #ino = 0;
  /** Identity key once indexed (see indexIdentity). */
  #key: number | string | undefined;
  #identity: string | undefined;
  #name: string | undefined;
  #syncTarget: CpuSyncTarget | undefined;
  /** Past the turn it was made in (see settle). */
  #settled = false;
  /** Under the leak guard. */
  #watched = false;

  /** @internal use framework.export() / framework.get() */
  constructor(owner: BufferOwner, exporter: ExporterPlugin, source: BufferSource) {
    super(
      exporter,
      source.kind === 'adopt' ? source.expName : (exporter.expNames[0] ?? exporter.name),
      source.kind === 'export' ? source.request : undefined,
    );
    this.#owner = owner;
    this.#slot = owner.track(this);
    if (source.kind === 'adopt') this.install(source.allocation, source.stat);
    else this.#name = source.name;
  }

  /** References held: export or get() gives one, get() on the object adds one, put() drops one; the last put() releases. */
  get refCount(): number {
    return this.released ? 0 : this.#refs;
  }

  /** Identity of the buffer: `dev:ino` of its file, the same for every fd of it. */
  get identity(): string {
    this.ensureAllocated();
    this.indexIdentity();
    this.#identity ??= `${this.#dev}:${this.#ino}`;
    return this.#identity;
  }

  /** Attach a device (see BufferLifecycle.attach): the attachment's buffer is this DmaBuf. */
  override attach<H, C = unknown>(device: Importer<H, C>): Attachment<H, C, this> {
    return super.attach(device);
  }

  /** Add a reference; pair with put(). */
  get(): this {
    this.assertNotReleased();
    this.#refs++;
    if (debug.enabled) debug('%s: get, %d reference(s)', this.label, this.#refs);
    return this;
  }

  /**
   * Drop a reference; the last one releases the buffer (exporter release,
   * fd closed). Refused with EBUSY while devices are attached.
   */
  put(): void {
    this.assertNotReleased();
    if (debug.enabled) debug('%s: put, %d reference(s) left', this.label, this.#refs - 1);
    if (this.#refs === 1) {
      assertNotHeld(this, 'release');
      this.release();
    } else this.#refs--;
  }

  /** `using`: put() when the scope ends, if not done already. */
  [Symbol.dispose](): void {
    if (!this.released) this.put();
  }

  /** A new CLOEXEC fd of this buffer; the caller owns it and must close it. */
  fd(): number {
    return dupFd(this.borrowFd());
  }

  /** Allocate a pending buffer now (late allocation with the constraints attached so far). */
  allocate(): this {
    this.ensureAllocated();
    return this;
  }

  /**
   * Map for CPU access; unmap (or `using`) detaches every view.
   * options.writable (default true); options.populate: fault every page in
   * now, in one system call, rather than one page fault per page at first
   * touch (ignored where the driver maps its pages itself).
   */
  mmap(options: { writable?: boolean; populate?: boolean } = {}): CpuMapping {
    assertObject('options', options);
    if (options.writable !== undefined && typeof options.writable !== 'boolean')
      throw invalidArgument('options.writable', 'a boolean', options.writable);
    if (options.populate !== undefined && typeof options.populate !== 'boolean')
      throw invalidArgument('options.populate', 'a boolean', options.populate);
    this.ensureAllocated();
    const writable = options.writable ?? true;
    const view = this.exported;
    const size = view.layout.size;
    if (debug.enabled) debug('%s: mmap %d bytes %s', this.label, size, writable ? 'read-write' : 'read-only');
    const exporter = this.exporter;
    const ab = exporter.mmap
      ? callHook(exporter.name, 'mmap', () => exporter.mmap!(view, 0, size, writable))
      : mmapFd(view.fd, 0, size, writable, {
          what: `${this.label}: cannot map ${size} bytes for CPU access`,
          hint: (errno) => (errno === ENODEV ? `exporter ${exporter.name} does not support mmap` : undefined),
        });
    if (options.populate) populateMapping(ab, writable);
    const m = new CpuMapping(this.#cpuTarget(), ab, writable);
    this.#cpuMappings ??= new Set();
    this.#cpuMappings.add(m);
    return m;
  }

  /**
   * Scoped CPU access: syncs (DMA_BUF_IOCTL_SYNC START), and on end /
   * dispose syncs END and detaches the scope's views (a view kept past the
   * scope throws instead of touching the buffer).
   *   using access = buf.cpuAccess('write'); access.bytes.fill(0);
   * The buffer keeps one CPU mapping for its scopes: made at the first scope
   * with every page faulted in at once (MADV_POPULATE_*), unmapped at release,
   * so a scope per frame costs two sync ioctls, not a mmap and a page fault
   * per 4 KiB page.
   */
  cpuAccess(mode: CpuAccessMode): CpuAccess {
    assertOneOf('mode', mode, CPU_ACCESS_MODES);
    const writable = mode !== 'read';
    let kept = this.#kept;
    if (!kept?.mapped || (writable && !kept.writable)) {
      // the first scope, or a write after read-only scopes: map (pages faulted in at once), keep
      if (kept?.mapped && kept.openScopes === 0 && kept.openViews === 0) kept.unmap();
      kept = this.#kept = this.mmap({ writable, populate: true });
    }
    // a view per scope, made when the scope's bytes are first read (access.write() needs none);
    // an exporter's own mmap (not a native mapping): a mapping per scope
    return kept.viewable
      ? new CpuAccess(this.#cpuTarget(), kept, mode, false, true)
      : new CpuAccess(this.#cpuTarget(), this.mmap({ writable }), mode, true);
  }

  /** Begin CPU access without a scope (prefer cpuAccess()). */
  beginCpuAccess(mode: CpuAccessMode): void {
    assertOneOf('mode', mode, CPU_ACCESS_MODES);
    this.ensureAllocated();
    if (debug.enabled) debug('%s: begin CPU access (%s)', this.label, mode);
    const exporter = this.exporter;
    if (exporter.beginCpuAccess) {
      callHook(exporter.name, 'beginCpuAccess', () => exporter.beginCpuAccess!(this.exported, mode));
    } else {
      this.#sync(mode, 'start');
    }
  }

  /** End CPU access begun with beginCpuAccess(). */
  endCpuAccess(mode: CpuAccessMode): void {
    assertOneOf('mode', mode, CPU_ACCESS_MODES);
    this.ensureAllocated();
    if (debug.enabled) debug('%s: end CPU access (%s)', this.label, mode);
    const exporter = this.exporter;
    if (exporter.endCpuAccess) {
      callHook(exporter.name, 'endCpuAccess', () => exporter.endCpuAccess!(this.exported, mode));
    } else {
      this.#sync(mode, 'end');
    }
  }

  /** DMA_BUF_SET_NAME: at most 31 bytes; shows as `name:` in fdinfo. */
  setName(name: string): void {
    assertDmaBufName(name);
    this.ensureAllocated();
    if (debug.enabled) debug('%s: set name %s', this.label, name);
    setDmaBufName(this.exported.fd, name, {
      what: `${this.label}: cannot set name`,
      hint: (e) =>
        e === ENOTTY ? `exporter ${this.exporter.name} is not a kernel dma-buf and has no name` : undefined,
    });
  }

  /**
   * @internal The turn the buffer was made in is over (see BufferTable): from
   * now on it may be collected, so it goes under the leak guard, now if it
   * is allocated, else at allocation. A buffer released in the turn it was
   * made in never needs the guard.
   */
  settle(): void {
    this.#settled = true;
    if (this.allocated) this.#watch();
  }

  /**
   * @internal Index the buffer by identity if it is allocated and not indexed
   * yet (one fstat of its fd). Framework.get() does this for every buffer
   * before it concludes an fd is new to it.
   */
  indexIdentity(): void {
    if (this.#key !== undefined || !this.allocated) return;
    this.#remember(statFd(this.exported.fd));
  }

  protected override onInstalled(stat: FdStat | undefined): void {
    if (stat) this.#remember(stat);
    else this.#owner.deferIdentity();
    if (this.#settled) this.#watch();
  }

  protected override onAllocated(): void {
    if (this.#name !== undefined) this.setName(this.#name);
  }

  protected override onRelease(wasLive: boolean): void {
    if (this.#cpuMappings?.size) for (const m of [...this.#cpuMappings]) m.unmap();
    this.#refs = 0;
    this.#owner.untrack(this.#slot);
    if (!wasLive) return;
    if (this.#watched) this.#owner.leakGuard.forget(this);
    if (this.#ref) this.#owner.forget(this.#key!, this.#ref);
  }

  #sync(mode: CpuAccessMode, phase: 'start' | 'end'): void {
    const r = syncRaw(this.exported.fd, mode, phase);
    if (r < 0)
      check(
        r,
        'ioctl(DMA_BUF_IOCTL_SYNC)',
        `${this.label}: CPU access sync ${phase === 'start' ? 'START' : 'END'} failed`,
        (errno) => (errno === ENOTTY ? notADmaBufHint(this.exporter.name) : undefined),
      );
  }

  /** The CPU-access hooks of this buffer, made at its first CPU mapping. */
  #cpuTarget(): CpuSyncTarget {
    this.#syncTarget ??= {
      label: this.label,
      beginCpuAccess: (mode) => this.beginCpuAccess(mode),
      endCpuAccess: (mode) => this.endCpuAccess(mode),
      forgetMapping: (m) => this.#cpuMappings?.delete(m),
    };
    return this.#syncTarget;
  }

  /** Put the allocated buffer under the leak guard (once). */
  #watch(): void {
    if (this.#watched) return;
    this.#watched = true;
    const view = this.exported;
    // Nothing held here may reference `this`, or the buffer could never be collected.
    this.#owner.leakGuard.watch(this, {
      bufferId: this.id,
      exporter: this.exporter.name,
      fd: view.fd,
      size: view.layout.size,
      release: this.releaseHook,
    });
  }

  #remember(stat: FdStat): void {
    this.#dev = stat.dev;
    this.#ino = stat.ino;
    this.#key = identityKey(stat.dev, stat.ino);
    this.#ref = this.#owner.remember(this.#key, this);
  }
}

/** @internal see DmaBuf.settle (the framework's BufferTable calls it for each buffer it weakens). */
export function settleBuffer(buf: DmaBuf): void {
  buf.settle();
}
