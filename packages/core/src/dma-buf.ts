import { type AnyAttachment, Attachment, type AttachmentHost, attachmentInfo } from './attachment.js';
import type { BufferState, BufferView } from './buffer-view.js';
import { type Constraints, type LabelledConstraints, NO_CONSTRAINTS } from './constraints.js';
import { CpuAccess, CpuMapping, type CpuSyncTarget } from './cpu-mapping.js';
import { assertDmaBufName, setDmaBufName, syncRaw } from './dma-buf-ioctls.js';
import { invalidArgument, LifecycleError, PluginError, ReleasedError } from './errors.js';
import type { Allocation, AllocationRequest, ExportedBuffer, ExporterPlugin } from './exporter.js';
import { closeFd, dupFd, type FdStat, identityKey, statFd } from './fd-ops.js';
import { callHook } from './hook.js';
import type { Importer } from './importer.js';
import type { BufferLayout } from './layout.js';
import type { LeakGuard } from './leak-guard.js';
import { mmapFd } from './mmap.js';
import { checkLayout, mergeConstraints } from './negotiation.js';
import { CPU_ACCESS_MODES, type CpuAccessMode, type MapDirection, type SgTable } from './sg-table.js';
import { SmallSet } from './small-set.js';
import { check } from './syscall.js';
import { assertObject, assertOneOf, assertString } from './validate.js';

let nextBufferId = 1;

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

export type { BufferState } from './buffer-view.js';

/** @internal how a DmaBuf comes to be */
export type BufferSource =
  | { kind: 'export'; request: AllocationRequest; name?: string }
  | { kind: 'adopt'; allocation: Allocation; expName: string; stat?: FdStat };

let indexOf: (buf: DmaBuf) => void;
let settleOf: (buf: DmaBuf) => void;

/**
 * @internal The turn the buffer was made in is over (see BufferTable): from
 * now on it may be collected, so it goes under the leak guard, now if it is
 * allocated, else at allocation. A buffer released in the turn it was made
 * in never needs the guard.
 */
export function settleBuffer(buf: DmaBuf): void {
  settleOf(buf);
}

/**
 * @internal Index an allocated buffer by identity if it is not yet (fstat of
 * its fd). Framework.get() does this for every buffer before it concludes
 * an fd is new to it.
 */
export function indexIdentity(buf: DmaBuf): void {
  indexOf(buf);
}

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
 */
export class DmaBuf implements BufferView, Disposable {
  readonly id = nextBufferId++;
  readonly exporter: ExporterPlugin;
  readonly #owner: BufferOwner;
  /** Its entry in the framework's identity table, once indexed. */
  #ref: WeakRef<DmaBuf> | undefined;
  readonly #slot: number;
  readonly #attachments = new SmallSet<AnyAttachment>();
  readonly #exporterAttached = new SmallSet<AnyAttachment>();
  #cpuMappings: Set<CpuMapping> | undefined;
  #state: BufferState = 'pending';
  #refs = 1;
  #fd = -1;
  #layout: BufferLayout | undefined;
  #view: ExportedBuffer | undefined;
  #releaseHook: (() => void) | undefined;
  #expName: string;
  #dev = 0;
  #ino = 0;
  /** Identity key once indexed (see indexIdentity). */
  #key: number | string | undefined;
  #identity: string | undefined;
  #label: string | undefined;
  #request: AllocationRequest | undefined;
  #name: string | undefined;
  #syncTarget: CpuSyncTarget | undefined;
  /** Past the turn it was made in (see settleBuffer). */
  #settled = false;
  /** Under the leak guard. */
  #watched = false;

  static {
    indexOf = (buf) => buf.#index();
    settleOf = (buf) => {
      buf.#settled = true;
      if (buf.#state === 'live') buf.#watch();
    };
  }

  /** The attachment hooks of every buffer: one shared object (see AttachmentHost). */
  static readonly #host: AttachmentHost = {
    assertLive: (att) => (att.buffer as DmaBuf).#assertNotReleased(),
    mapForDevice: (att, dir) => (att.buffer as DmaBuf).#mapForDevice(att, dir),
    unmapForDevice: (att, table, dir) => (att.buffer as DmaBuf).#unmapForDevice(att, table, dir),
    removeAttachment: (att) => (att.buffer as DmaBuf).#removeAttachment(att),
  };

  /** @internal use framework.export() / framework.get() */
  constructor(owner: BufferOwner, exporter: ExporterPlugin, source: BufferSource) {
    this.#owner = owner;
    this.exporter = exporter;
    this.#expName = exporter.expNames[0] ?? exporter.name;
    this.#slot = owner.track(this);
    if (source.kind === 'adopt') {
      this.#expName = source.expName;
      this.#install(source.allocation, source.stat);
    } else {
      this.#request = source.request;
      this.#name = source.name;
    }
  }

  /** 'buffer #3 (udmabuf)': how messages name this buffer. */
  get label(): string {
    this.#label ??= `buffer #${this.id} (${this.exporter.name})`;
    return this.#label;
  }

  get state(): BufferState {
    return this.#state;
  }

  get released(): boolean {
    return this.#state === 'released';
  }

  get allocated(): boolean {
    return this.#state === 'live';
  }

  get refCount(): number {
    return this.#state === 'released' ? 0 : this.#refs;
  }

  /** exp_name as the kernel reports it in fdinfo. */
  get expName(): string {
    return this.#expName;
  }

  /** Identity of the buffer: `dev:ino` of its file, the same for every fd of it. */
  get identity(): string {
    this.#ensureAllocated();
    this.#index();
    this.#identity ??= `${this.#dev}:${this.#ino}`;
    return this.#identity;
  }

  /** The layout; allocates a pending buffer first. */
  get layout(): BufferLayout {
    this.#ensureAllocated();
    return this.#layout!;
  }

  get size(): number {
    return this.layout.size;
  }

  /** Live attachments. */
  get attachments(): readonly AnyAttachment[] {
    return this.#attachments.toArray();
  }

  /** Add a reference; pair with put(). */
  get(): this {
    this.#assertNotReleased();
    this.#refs++;
    return this;
  }

  /**
   * Drop a reference; the last one releases the buffer (exporter release,
   * fd closed). Refused with EBUSY while devices are attached.
   */
  put(): void {
    this.#assertNotReleased();
    if (this.#refs === 1) this.#release();
    else this.#refs--;
  }

  [Symbol.dispose](): void {
    if (!this.released) this.put();
  }

  /** A new CLOEXEC fd of this buffer; the caller owns it and must close it. */
  fd(): number {
    this.#ensureAllocated();
    return dupFd(this.#fd);
  }

  /**
   * The buffer's own fd, borrowed: valid while the buffer lives, never to be
   * closed by the caller. For importers that pass it to an ioctl.
   */
  borrowFd(): number {
    this.#ensureAllocated();
    return this.#fd;
  }

  /** Allocate a pending buffer now (late allocation with the constraints attached so far). */
  allocate(): this {
    this.#ensureAllocated();
    return this;
  }

  /**
   * Attach a device. Checks the device's constraints against the buffer (or,
   * if still pending, against the other attachments) before any hook runs.
   */
  attach<H>(device: Importer<H>): Attachment<H> {
    this.#assertNotReleased();
    assertObject('device', device);
    assertString('device.name', device.name);
    let constraints: Constraints;
    if (device.constraints) {
      try {
        constraints = device.constraints();
      } catch (e) {
        throw new PluginError(device.name, 'constraints', e);
      }
    } else {
      constraints = {};
    }
    const party: LabelledConstraints = { label: device.name, constraints };
    if (this.#state === 'live') {
      checkLayout(this.#layout!, party, this.label);
      const exp = this.exporter.expNames.length ? this.#expName : undefined;
      if (constraints.exporters && exp && !constraints.exporters.includes(exp)) {
        throw new LifecycleError(`${device.name} cannot import from exporter ${exp} (${this.label})`, {
          code: 'ENODEV',
          hint: `Allocate from one of: ${constraints.exporters.join(', ')}; or copy into such a buffer`,
        });
      }
    } else {
      mergeConstraints([...this.#parties(), party]);
    }
    const att = new Attachment<H>(this, DmaBuf.#host, device, constraints);
    if (this.#state === 'live') this.#exporterAttach(att);
    if (device.onAttach) {
      try {
        device.onAttach(att);
      } catch (e) {
        this.#exporterDetach(att);
        throw new PluginError(device.name, 'onAttach', e);
      }
    }
    this.#attachments.add(att);
    return att;
  }

  /** Map for CPU access; unmap (or `using`) detaches every view. */
  mmap(options: { writable?: boolean } = {}): CpuMapping {
    assertObject('options', options);
    if (options.writable !== undefined && typeof options.writable !== 'boolean')
      throw invalidArgument('options.writable', 'a boolean', options.writable);
    this.#ensureAllocated();
    const writable = options.writable ?? true;
    const size = this.#layout!.size;
    const ab = this.exporter.mmap
      ? callHook(this.exporter.name, 'mmap', () => this.exporter.mmap!(this.#view!, 0, size, writable))
      : mmapFd(this.#fd, 0, size, writable, {
          what: `${this.label}: cannot map ${size} bytes for CPU access`,
          hint: (errno) =>
            errno === 19 ? `exporter ${this.exporter.name} does not support mmap` : undefined,
        });
    const m = new CpuMapping(this.#cpuTarget(), ab, writable);
    this.#cpuMappings ??= new Set();
    this.#cpuMappings.add(m);
    return m;
  }

  /**
   * Scoped CPU access: maps, syncs (DMA_BUF_IOCTL_SYNC START), and on end /
   * dispose syncs END and unmaps, so views from the scope are detached.
   *   using access = buf.cpuAccess('write'); access.bytes.fill(0);
   */
  cpuAccess(mode: CpuAccessMode): CpuAccess {
    assertOneOf('mode', mode, CPU_ACCESS_MODES);
    const mapping = this.mmap({ writable: mode !== 'read' });
    return new CpuAccess(this.#cpuTarget(), mapping, mode, true);
  }

  /** Begin CPU access without a scope (prefer cpuAccess()). */
  beginCpuAccess(mode: CpuAccessMode): void {
    assertOneOf('mode', mode, CPU_ACCESS_MODES);
    this.#ensureAllocated();
    if (this.exporter.beginCpuAccess) {
      callHook(this.exporter.name, 'beginCpuAccess', () => this.exporter.beginCpuAccess!(this.#view!, mode));
    } else {
      this.#sync(mode, 'start');
    }
  }

  /** End CPU access begun with beginCpuAccess(). */
  endCpuAccess(mode: CpuAccessMode): void {
    assertOneOf('mode', mode, CPU_ACCESS_MODES);
    this.#ensureAllocated();
    if (this.exporter.endCpuAccess) {
      callHook(this.exporter.name, 'endCpuAccess', () => this.exporter.endCpuAccess!(this.#view!, mode));
    } else {
      this.#sync(mode, 'end');
    }
  }

  /** DMA_BUF_SET_NAME: at most 31 bytes; shows as `name:` in fdinfo. */
  setName(name: string): void {
    assertDmaBufName(name);
    this.#ensureAllocated();
    setDmaBufName(this.#fd, name, {
      what: `${this.label}: cannot set name`,
      hint: (e) =>
        e === 25 ? `exporter ${this.exporter.name} is not a kernel dma-buf and has no name` : undefined,
    });
  }

  /** @internal forced teardown at framework close. */
  teardown(): void {
    if (this.released) return;
    if (this.#cpuMappings) for (const m of [...this.#cpuMappings]) m.unmap();
    for (const a of this.#attachments.toArray()) a.teardown();
    this.#refs = 1;
    this.#release();
  }

  #sync(mode: CpuAccessMode, phase: 'start' | 'end'): void {
    const r = syncRaw(this.#fd, mode, phase);
    if (r < 0)
      check(
        r,
        'ioctl(DMA_BUF_IOCTL_SYNC)',
        `${this.label}: CPU access sync ${phase === 'start' ? 'START' : 'END'} failed`,
      );
  }

  #parties(): LabelledConstraints[] {
    return this.#attachments.toArray().map((a) => ({ label: a.device, constraints: a.constraints }));
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

  #assertNotReleased(): void {
    if (this.#state === 'released') throw new ReleasedError(this.label);
  }

  #ensureAllocated(): void {
    this.#assertNotReleased();
    if (this.#state === 'live') return;
    const req = this.#request!;
    const attached = this.#attachments.size > 0;
    const merged =
      attached || req.constraints !== NO_CONSTRAINTS
        ? mergeConstraints([
            { label: 'the export request', constraints: req.constraints },
            ...this.#parties(),
          ])
        : {};
    let allocation: Allocation;
    try {
      allocation = this.exporter.allocate({ ...req, constraints: merged });
    } catch (e) {
      throw new PluginError(this.exporter.name, 'allocate', e);
    }
    this.#install(allocation);
    try {
      if (attached) {
        for (const p of this.#parties()) checkLayout(this.#layout!, p, this.label);
        for (const a of this.#attachments.toArray()) this.#exporterAttach(a);
      }
      if (this.#name !== undefined) this.setName(this.#name);
    } catch (e) {
      this.teardown();
      throw e;
    }
  }

  /**
   * Take over an exporter's allocation. `stat` is the fstat of its fd when
   * the caller has it (get() of a received fd), and the buffer is indexed by
   * identity now; else that waits until asked for (#index).
   */
  #install(allocation: Allocation, stat?: FdStat): void {
    const fd = allocation.fd;
    if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
      allocation.release?.();
      this.#state = 'released';
      this.#owner.untrack(this.#slot);
      throw invalidArgument(`the fd from exporter ${this.exporter.name}`, 'a file descriptor', fd);
    }
    this.#fd = fd;
    this.#layout = allocation.layout;
    this.#releaseHook = allocation.release;
    this.#state = 'live';
    this.#request = undefined;
    // The exporter's view of the buffer: made once, none of it changes until release.
    this.#view = {
      id: this.id,
      fd,
      layout: allocation.layout,
      priv: allocation.priv,
      expName: this.#expName,
    };
    if (stat) this.#remember(stat);
    else this.#owner.deferIdentity();
    if (this.#settled) this.#watch();
  }

  /** Put the allocated buffer under the leak guard (once). */
  #watch(): void {
    if (this.#watched) return;
    this.#watched = true;
    // Nothing held here may reference `this`, or the buffer could never be collected.
    this.#owner.leakGuard.watch(this, {
      bufferId: this.id,
      exporter: this.exporter.name,
      fd: this.#fd,
      size: this.#layout!.size,
      release: this.#releaseHook,
    });
  }

  /** Index this buffer by identity if it is allocated and not indexed yet (one fstat). */
  #index(): void {
    if (this.#key !== undefined || this.#state !== 'live') return;
    this.#remember(statFd(this.#fd));
  }

  #remember(stat: FdStat): void {
    this.#dev = stat.dev;
    this.#ino = stat.ino;
    this.#key = identityKey(stat.dev, stat.ino);
    this.#ref = this.#owner.remember(this.#key, this);
  }

  #exporterAttach(att: AnyAttachment): void {
    const exporter = this.exporter;
    if (exporter.attach) {
      try {
        exporter.attach(this.#view!, attachmentInfo(att));
      } catch (e) {
        throw new PluginError(exporter.name, 'attach', e);
      }
    }
    this.#exporterAttached.add(att);
  }

  #exporterDetach(att: AnyAttachment): void {
    if (!this.#exporterAttached.delete(att)) return;
    const exporter = this.exporter;
    if (exporter.detach) {
      try {
        exporter.detach(this.#view!, attachmentInfo(att));
      } catch (e) {
        throw new PluginError(exporter.name, 'detach', e);
      }
    }
  }

  #mapForDevice(att: AnyAttachment, direction: MapDirection): SgTable {
    this.#ensureAllocated();
    const exporter = this.exporter;
    try {
      return exporter.map(this.#view!, attachmentInfo(att), direction);
    } catch (e) {
      throw new PluginError(exporter.name, 'map', e);
    }
  }

  #unmapForDevice(att: AnyAttachment, table: SgTable, direction: MapDirection): void {
    const exporter = this.exporter;
    if (exporter.unmap) {
      try {
        exporter.unmap(this.#view!, attachmentInfo(att), table, direction);
      } catch (e) {
        throw new PluginError(exporter.name, 'unmap', e);
      }
    }
  }

  #removeAttachment(att: AnyAttachment): void {
    this.#attachments.delete(att);
    const importer = att.importer;
    try {
      if (importer.onDetach) {
        try {
          importer.onDetach(att);
        } catch (e) {
          throw new PluginError(importer.name, 'onDetach', e);
        }
      }
    } finally {
      this.#exporterDetach(att);
    }
  }

  #release(): void {
    if (this.#attachments.size > 0) {
      throw new LifecycleError(
        `${this.label}: release with ${this.#attachments.size} live attachment(s) (${this.#parties()
          .map((p) => p.label)
          .join(', ')})`,
        {
          code: 'EBUSY',
          hint: 'Detach every attachment before the last put()',
        },
      );
    }
    if (this.#cpuMappings?.size) for (const m of [...this.#cpuMappings]) m.unmap();
    const wasLive = this.#state === 'live';
    this.#state = 'released';
    this.#refs = 0;
    this.#owner.untrack(this.#slot);
    if (!wasLive) return;
    if (this.#watched) this.#owner.leakGuard.forget(this);
    if (this.#ref) this.#owner.forget(this.#key!, this.#ref);
    try {
      if (this.#releaseHook) {
        try {
          this.#releaseHook();
        } catch (e) {
          throw new PluginError(this.exporter.name, 'release', e);
        }
      }
    } finally {
      closeFd(this.#fd);
      this.#fd = -1;
    }
  }
}
