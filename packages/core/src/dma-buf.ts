import { type AnyAttachment, Attachment, type AttachmentHost } from './attachment.js';
import type { LabelledConstraints } from './constraints.js';
import { CpuAccess, CpuMapping, type CpuSyncTarget } from './cpu-mapping.js';
import { DmaBufError, LifecycleError, ReleasedError } from './errors.js';
import type {
  Allocation,
  AllocationRequest,
  AttachmentInfo,
  ExportedBuffer,
  ExporterPlugin,
} from './exporter.js';
import { closeFd, dupFd, fdIdentity } from './fd-ops.js';
import type { Importer } from './importer.js';
import type { BufferLayout } from './layout.js';
import type { LeakGuard, LeakReport } from './leak-guard.js';
import { native } from './native.js';
import { checkLayout, mergeConstraints } from './negotiation.js';
import { callHook } from './plugin.js';
import { CPU_ACCESS_MODES, type CpuAccessMode, type MapDirection, type SgTable } from './sg-table.js';
import { check } from './syscall.js';
import { assertObject, assertOneOf, assertString } from './validate.js';

let nextBufferId = 1;

/** What a DmaBuf needs from the framework that made it (not public API). */
export interface BufferOwner {
  readonly leakGuard: LeakGuard;
  leakSink(report: LeakReport): void;
  remember(key: string, buf: DmaBuf): void;
  forget(key: string, buf: DmaBuf): void;
  /** Every buffer, pending ones included, until released. */
  track(buf: DmaBuf): void;
  untrack(buf: DmaBuf): void;
}

export type BufferState = 'pending' | 'live' | 'released';

/** @internal how a DmaBuf comes to be */
export type BufferSource =
  | { kind: 'export'; request: AllocationRequest; name?: string }
  | { kind: 'adopt'; allocation: Allocation; expName: string };

const SYNC_FLAGS: Record<CpuAccessMode, 'READ' | 'WRITE' | 'RW'> = {
  read: 'READ',
  write: 'WRITE',
  readwrite: 'RW',
};

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
export class DmaBuf implements Disposable {
  readonly id = nextBufferId++;
  readonly exporter: ExporterPlugin;
  readonly #owner: BufferOwner;
  readonly #attachments = new Set<AnyAttachment>();
  readonly #exporterAttached = new Set<AnyAttachment>();
  readonly #cpuMappings = new Set<CpuMapping>();
  #state: BufferState = 'pending';
  #refs = 1;
  #fd = -1;
  #layout: BufferLayout | undefined;
  #priv: unknown;
  #releaseHook: (() => void) | undefined;
  #expName: string;
  #identity = '';
  #request: AllocationRequest | undefined;
  #name: string | undefined;
  readonly #syncTarget: CpuSyncTarget;
  readonly #attachHost: AttachmentHost;

  /** @internal use framework.export() / framework.get() */
  constructor(owner: BufferOwner, exporter: ExporterPlugin, source: BufferSource) {
    this.#owner = owner;
    this.exporter = exporter;
    this.#expName = exporter.expNames[0] ?? exporter.name;
    owner.track(this);
    if (source.kind === 'adopt') {
      this.#expName = source.expName;
      this.#install(source.allocation);
    } else {
      this.#request = source.request;
      this.#name = source.name;
    }
    this.#syncTarget = {
      label: this.label,
      beginCpuAccess: (mode) => this.beginCpuAccess(mode),
      endCpuAccess: (mode) => this.endCpuAccess(mode),
      forgetMapping: (m) => this.#cpuMappings.delete(m),
    };
    this.#attachHost = {
      label: this.label,
      assertLive: () => this.#assertNotReleased(),
      mapForDevice: (att, dir) => this.#mapForDevice(att, dir),
      unmapForDevice: (att, table, dir) => this.#unmapForDevice(att, table, dir),
      removeAttachment: (att) => this.#removeAttachment(att),
    };
  }

  /** 'buffer #3 (udmabuf)': how messages name this buffer. */
  get label(): string {
    return `buffer #${this.id} (${this.exporter.name})`;
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
    return [...this.#attachments];
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
    const constraints = device.constraints
      ? callHook(device.name, 'constraints', () => device.constraints!())
      : {};
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
    const att = new Attachment<H>(this, this.#attachHost, device, constraints);
    if (this.#state === 'live') this.#exporterAttach(att);
    try {
      if (device.onAttach) callHook(device.name, 'onAttach', () => device.onAttach!(att));
    } catch (e) {
      this.#exporterDetach(att);
      throw e;
    }
    this.#attachments.add(att);
    return att;
  }

  /** Map for CPU access; unmap (or `using`) detaches every view. */
  mmap(options: { writable?: boolean } = {}): CpuMapping {
    this.#ensureAllocated();
    const writable = options.writable ?? true;
    const size = this.#layout!.size;
    const ab = this.exporter.mmap
      ? callHook(this.exporter.name, 'mmap', () => this.exporter.mmap!(this.#view(), 0, size, writable))
      : check(
          native().mmap(this.#fd, 0, size, native().PROT_READ | (writable ? native().PROT_WRITE : 0)),
          'mmap',
          `${this.label}: cannot map ${size} bytes for CPU access`,
          (errno) => (errno === 19 ? `exporter ${this.exporter.name} does not support mmap` : undefined),
        );
    const m = new CpuMapping(this.#syncTarget, ab, writable);
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
    return new CpuAccess(this.#syncTarget, mapping, mode, true);
  }

  /** Begin CPU access without a scope (prefer cpuAccess()). */
  beginCpuAccess(mode: CpuAccessMode): void {
    assertOneOf('mode', mode, CPU_ACCESS_MODES);
    this.#ensureAllocated();
    if (this.exporter.beginCpuAccess) {
      callHook(this.exporter.name, 'beginCpuAccess', () => this.exporter.beginCpuAccess!(this.#view(), mode));
    } else {
      this.#sync(mode, 'START');
    }
  }

  /** End CPU access begun with beginCpuAccess(). */
  endCpuAccess(mode: CpuAccessMode): void {
    assertOneOf('mode', mode, CPU_ACCESS_MODES);
    this.#ensureAllocated();
    if (this.exporter.endCpuAccess) {
      callHook(this.exporter.name, 'endCpuAccess', () => this.exporter.endCpuAccess!(this.#view(), mode));
    } else {
      this.#sync(mode, 'END');
    }
  }

  /** DMA_BUF_SET_NAME: at most 31 bytes; shows as `name:` in fdinfo. */
  setName(name: string): void {
    assertString('name', name, 31);
    if (Buffer.byteLength(name) > 31) {
      throw new DmaBufError(`buffer name '${name}' is longer than 31 bytes`, {
        code: 'EINVAL',
        hint: 'Use a shorter name',
      });
    }
    this.#ensureAllocated();
    check(
      native().setName(this.#fd, name),
      'ioctl(DMA_BUF_SET_NAME)',
      `${this.label}: cannot set name`,
      (e) =>
        e === 25 ? `exporter ${this.exporter.name} is not a kernel dma-buf and has no name` : undefined,
    );
  }

  /** @internal forced teardown at framework close. */
  teardown(): void {
    if (this.released) return;
    for (const m of [...this.#cpuMappings]) m.unmap();
    for (const a of [...this.#attachments]) a.teardown();
    this.#refs = 1;
    this.#release();
  }

  #sync(mode: CpuAccessMode, phase: 'START' | 'END'): void {
    const c = native().dmaBufSync;
    check(
      native().sync(this.#fd, c[SYNC_FLAGS[mode]] | c[phase]),
      'ioctl(DMA_BUF_IOCTL_SYNC)',
      `${this.label}: CPU access sync ${phase} failed`,
    );
  }

  #parties(): LabelledConstraints[] {
    return [...this.#attachments].map((a) => ({ label: a.device, constraints: a.constraints }));
  }

  #assertNotReleased(): void {
    if (this.#state === 'released') throw new ReleasedError(this.label);
  }

  #ensureAllocated(): void {
    this.#assertNotReleased();
    if (this.#state === 'live') return;
    const req = this.#request!;
    const merged = mergeConstraints([
      { label: 'the export request', constraints: req.constraints },
      ...this.#parties(),
    ]);
    const allocation = callHook(this.exporter.name, 'allocate', () =>
      this.exporter.allocate({ ...req, constraints: merged }),
    );
    this.#install(allocation);
    try {
      for (const p of this.#parties()) checkLayout(this.#layout!, p, this.label);
      for (const a of this.#attachments) this.#exporterAttach(a);
      if (this.#name !== undefined) this.setName(this.#name);
    } catch (e) {
      this.teardown();
      throw e;
    }
  }

  #install(allocation: Allocation): void {
    this.#fd = allocation.fd;
    this.#layout = allocation.layout;
    this.#priv = allocation.priv;
    this.#releaseHook = allocation.release;
    this.#state = 'live';
    this.#request = undefined;
    try {
      this.#identity = fdIdentity(this.#fd).key;
    } catch (e) {
      this.#releaseHook?.();
      native().close(this.#fd);
      this.#state = 'released';
      throw e;
    }
    const owner = this.#owner;
    owner.remember(this.#identity, this);
    // Nothing held here may reference `this`, or the buffer could never be collected.
    owner.leakGuard.watch(
      this,
      { bufferId: this.id, exporter: this.exporter.name, fd: this.#fd, size: this.#layout.size },
      this.#releaseHook,
      (r) => owner.leakSink(r),
    );
  }

  #view(): ExportedBuffer {
    return { id: this.id, fd: this.#fd, layout: this.#layout!, priv: this.#priv, expName: this.#expName };
  }

  #info(att: AnyAttachment): AttachmentInfo {
    return { id: att.id, device: att.device, constraints: att.constraints };
  }

  #exporterAttach(att: AnyAttachment): void {
    if (this.exporter.attach)
      callHook(this.exporter.name, 'attach', () => this.exporter.attach!(this.#view(), this.#info(att)));
    this.#exporterAttached.add(att);
  }

  #exporterDetach(att: AnyAttachment): void {
    if (!this.#exporterAttached.delete(att)) return;
    if (this.exporter.detach)
      callHook(this.exporter.name, 'detach', () => this.exporter.detach!(this.#view(), this.#info(att)));
  }

  #mapForDevice(att: AnyAttachment, direction: MapDirection): SgTable {
    this.#ensureAllocated();
    return callHook(this.exporter.name, 'map', () =>
      this.exporter.map(this.#view(), this.#info(att), direction),
    );
  }

  #unmapForDevice(att: AnyAttachment, table: SgTable, direction: MapDirection): void {
    if (this.exporter.unmap)
      callHook(this.exporter.name, 'unmap', () =>
        this.exporter.unmap!(this.#view(), this.#info(att), table, direction),
      );
  }

  #removeAttachment(att: AnyAttachment): void {
    this.#attachments.delete(att);
    try {
      if (att.importer.onDetach) callHook(att.importer.name, 'onDetach', () => att.importer.onDetach!(att));
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
    for (const m of [...this.#cpuMappings]) m.unmap();
    const wasLive = this.#state === 'live';
    this.#state = 'released';
    this.#refs = 0;
    this.#owner.untrack(this);
    if (!wasLive) return;
    this.#owner.leakGuard.forget(this);
    this.#owner.forget(this.#identity, this);
    try {
      if (this.#releaseHook) callHook(this.exporter.name, 'release', this.#releaseHook);
    } finally {
      closeFd(this.#fd);
      this.#fd = -1;
    }
  }
}
