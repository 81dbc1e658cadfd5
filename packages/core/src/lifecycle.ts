import {
  type AnyAttachment,
  Attachment,
  type AttachmentOps,
  type AttachmentState,
  DeviceMapping,
} from './attachment.js';
import type { BufferState, BufferView } from './buffer-view.js';
import type { LabelledConstraints } from './constraints.js';
import { brief, debugLog } from './debug-log.js';
import { invalidArgument, PluginError, ReleasedError } from './errors.js';
import type { Allocation, AllocationRequest, ExportedBuffer, ExporterPlugin } from './exporter.js';
import type { FdStat } from './fd-ops.js';
import { closeFd } from './fd-ops.js';
import {
  exporterAttach,
  exporterDetach,
  exporterMap,
  exporterUnmap,
  importerAttach,
  importerConstraints,
  importerDetach,
  importerMap,
  importerUnmap,
} from './hook-dispatch.js';
import type { Importer } from './importer.js';
import type { BufferLayout } from './layout.js';
import {
  alreadyDetached,
  alreadyUnmapped,
  detachWhileMapped,
  mapAfterDetach,
  releaseWhileAttached,
} from './lifecycle-errors.js';
import {
  allocationConstraints,
  checkAttachable,
  checkLayout,
  checkTable,
  mergeConstraints,
} from './negotiation.js';
import { runEach } from './run-each.js';
import { MAP_DIRECTIONS, type MapDirection } from './sg-table.js';
import { SmallSet } from './small-set.js';
import { assertObject, assertOneOf, assertString } from './validate.js';

/** NODE_DEBUG=dmabuf or dmabuf:core: every step of every buffer's lifecycle. */
const debug = debugLog('core');

let nextBufferId = 1;
let nextAttachmentId = 1;

/**
 * The one owner of a buffer's lifecycle: the state machine pending → live →
 * released, its attachments and their mappings. Every exporter and importer
 * hook is called from here, in legal order, with what it needs passed in:
 *
 *   attach:  checks (layout or merged constraints) → exporter.attach (if
 *            allocated) → importer.onAttach
 *   map:     allocation if pending (exporter.allocate, then exporter.attach
 *            of every attachment) → exporter.map → importer.onMap(context)
 *   unmap:   importer.onUnmap → exporter.unmap
 *   detach:  importer.onDetach → exporter.detach
 *   release: refused with attachments; exporter release → close(fd)
 *
 * Attachment and DeviceMapping are handles: they hand every call back here
 * with their state. DmaBuf adds what is not the lifecycle (references,
 * identity, the leak guard, CPU access, naming) through the protected hooks
 * below.
 */
export abstract class BufferLifecycle implements BufferView {
  readonly id = nextBufferId++;
  /** The exporter plugin that allocated (or adopted) this buffer; its hooks run at each lifecycle step. */
  readonly exporter: ExporterPlugin;
  readonly #attachments = new SmallSet<AttachmentState>();
  /** Attachments the exporter has seen attach (all of them once allocated). */
  readonly #exporterAttached = new SmallSet<AttachmentState>();
  #state: BufferState = 'pending';
  #fd = -1;
  #layout: BufferLayout | undefined;
  #view: ExportedBuffer | undefined;
  #releaseHook: (() => void) | undefined;
  #request: AllocationRequest | undefined;
  readonly #expName: string;
  #label: string | undefined;

  /** What attachment and mapping handles call: one object for every buffer. */
  static readonly #ops: AttachmentOps = {
    map: (st, direction, context) => (st.buffer as BufferLifecycle).#map(st, direction, context),
    unmap: (st, mapping) => (st.buffer as BufferLifecycle).#unmap(st, mapping),
    detach: (st) => (st.buffer as BufferLifecycle).#detach(st),
  };

  protected constructor(exporter: ExporterPlugin, expName: string, request: AllocationRequest | undefined) {
    this.exporter = exporter;
    this.#expName = expName;
    this.#request = request;
  }

  abstract get identity(): string; // documented on BufferView

  /** The buffer was allocated (or adopted): `stat` is the fstat of its fd when the caller had it. */
  protected abstract onInstalled(stat: FdStat | undefined): void;
  /** A pending buffer was allocated and every attachment attached to the exporter; throw to undo. */
  protected abstract onAllocated(): void;
  /** The buffer is being released (nothing attached): let go of what refers to it; the fd is closed next. */
  protected abstract onRelease(wasLive: boolean): void;

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

  /** exp_name as the kernel reports it in fdinfo. */
  get expName(): string {
    return this.#expName;
  }

  /** The layout; allocates a pending buffer first. */
  get layout(): BufferLayout {
    this.ensureAllocated();
    return this.#layout!;
  }

  get size(): number {
    return this.layout.size;
  }

  /** Live attachments. */
  get attachments(): readonly AnyAttachment[] {
    return this.#attachments.toArray().map((s) => s.attachment);
  }

  /**
   * The buffer's own fd, borrowed: valid while the buffer lives, never to be
   * closed by the caller. For importers that pass it to an ioctl.
   */
  borrowFd(): number {
    this.ensureAllocated();
    return this.#fd;
  }

  /**
   * Attach a device. Checks the device's constraints against the buffer (or,
   * if still pending, against the other attachments) before any hook runs.
   */
  attach<H, C = unknown>(device: Importer<H, C>): Attachment<H, C, this> {
    this.assertNotReleased();
    assertObject('device', device);
    assertString('device.name', device.name);
    const constraints = importerConstraints(device);
    const party: LabelledConstraints = { label: device.name, constraints };
    if (this.#state === 'live') {
      const expName = this.exporter.expNames.length ? this.#expName : undefined;
      checkAttachable(this.#layout!, party, this.label, expName);
    } else {
      mergeConstraints([...this.#parties(), party]);
    }
    const state: AttachmentState<H, C> = {
      buffer: this,
      attachment: undefined as never, // the Attachment sets itself
      importer: device,
      constraints,
      info: { id: nextAttachmentId++, device: device.name, constraints },
      attached: true,
      mappings: new SmallSet(),
    };
    if (debug.enabled) debug('%s: attach %s %s', this.label, device.name, brief(constraints));
    const att = new Attachment<H, C, this>(BufferLifecycle.#ops, state);
    if (this.#state === 'live') this.#exporterAttach(state);
    try {
      importerAttach(device, att);
    } catch (e) {
      this.#exporterDetach(state);
      throw e;
    }
    this.#attachments.add(state);
    return att;
  }

  /** @internal forced teardown at framework close: every mapping unmapped, every attachment detached, released. */
  teardown(): void {
    if (this.released) return;
    // a throwing hook does not stop the teardown: everything is let go, then the first failure thrown
    runEach([...this.#attachments.toArray().map((s) => () => s.attachment.teardown()), () => this.release()]);
  }

  /** The exporter's read-only view of the buffer (allocated buffers only). */
  protected get exported(): ExportedBuffer {
    return this.#view!;
  }

  /** Throw ReleasedError (EBADF) if the buffer was released. */
  protected assertNotReleased(): void {
    if (this.#state === 'released') throw new ReleasedError(this.label);
  }

  /** Late allocation: a pending buffer is allocated for its attachments' merged constraints (#allocate). */
  protected ensureAllocated(): void {
    // just the live check: small enough for V8 to inline into every fd, layout and identity read
    if (this.#state !== 'live') this.#allocate();
  }

  #allocate(): void {
    this.assertNotReleased();
    const req = this.#request!;
    const attached = this.#attachments.size > 0;
    const merged = allocationConstraints(req.constraints, this.#parties());
    let allocation: Allocation;
    if (debug.enabled) debug('%s: allocate %s', this.label, brief({ ...req, constraints: merged }));
    try {
      allocation = this.exporter.allocate({ ...req, constraints: merged });
    } catch (e) {
      throw new PluginError(this.exporter.name, 'allocate', e);
    }
    this.install(allocation);
    try {
      if (attached) {
        for (const p of this.#parties()) checkLayout(this.#layout!, p, this.label);
        for (const s of this.#attachments.toArray()) this.#exporterAttach(s);
      }
      this.onAllocated();
    } catch (e) {
      this.teardown();
      throw e;
    }
  }

  /** Take over an exporter's allocation (or a received fd's adoption). */
  protected install(allocation: Allocation, stat?: FdStat): void {
    const fd = allocation.fd;
    if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
      allocation.release?.();
      this.#state = 'released';
      this.onRelease(false);
      throw invalidArgument(`the fd from exporter ${this.exporter.name}`, 'a file descriptor', fd);
    }
    if (debug.enabled) debug('%s: live, fd %d, %s', this.label, fd, layoutText(allocation.layout));
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
    this.onInstalled(stat);
  }

  /** The exporter's release hook of this buffer, for the leak guard (which must not hold the buffer). */
  protected get releaseHook(): (() => void) | undefined {
    return this.#releaseHook;
  }

  /** Release: refused (EBUSY, nothing changed) while devices are attached. */
  protected release(): void {
    if (this.#attachments.size > 0) {
      throw releaseWhileAttached(
        this.label,
        this.#parties().map((p) => p.label),
      );
    }
    const wasLive = this.#state === 'live';
    if (debug.enabled)
      debug('%s: release%s', this.label, wasLive ? `, close fd ${this.#fd}` : ' (never allocated)');
    this.#state = 'released';
    this.onRelease(wasLive);
    if (!wasLive) return;
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

  #parties(): LabelledConstraints[] {
    return this.#attachments.toArray().map((s) => ({ label: s.importer.name, constraints: s.constraints }));
  }

  #map<H, C>(
    st: AttachmentState<H, C>,
    direction: MapDirection,
    context: C | undefined,
  ): DeviceMapping<H, C> {
    assertOneOf('direction', direction, MAP_DIRECTIONS);
    if (!st.attached) {
      throw mapAfterDetach(this.label, st.importer.name);
    }
    this.ensureAllocated();
    const table = exporterMap(this.exporter, this.#view!, st.info, direction);
    let handle: H;
    try {
      if (st.constraints.contiguous || st.constraints.minSize !== undefined)
        checkTable(table, { label: st.importer.name, constraints: st.constraints }, this.label);
      handle = importerMap(st.importer, st.attachment, table, direction, context);
    } catch (e) {
      exporterUnmap(this.exporter, this.#view!, st.info, table, direction);
      throw e;
    }
    if (debug.enabled)
      debug(
        '%s: map for %s (%s): %d segment(s)',
        this.label,
        st.importer.name,
        direction,
        table.segments.length,
      );
    const mapping = new DeviceMapping<H, C>(BufferLifecycle.#ops, st, table, direction, handle);
    st.mappings.add(mapping);
    return mapping;
  }

  #unmap<H, C>(st: AttachmentState<H, C>, mapping: DeviceMapping<H, C, BufferView>): void {
    if (!st.mappings.delete(mapping)) throw alreadyUnmapped(st.importer.name);
    if (debug.enabled) debug('%s: unmap for %s (%s)', this.label, st.importer.name, mapping.direction);
    try {
      importerUnmap(st.importer, st.attachment, mapping.handle);
    } finally {
      exporterUnmap(this.exporter, this.#view!, st.info, mapping.table, mapping.direction);
    }
  }

  #detach(st: AttachmentState): void {
    const device = st.importer.name;
    if (!st.attached) throw alreadyDetached(this.label, device);
    if (st.mappings.size > 0) throw detachWhileMapped(this.label, device, st.mappings.size);
    if (debug.enabled) debug('%s: detach %s', this.label, device);
    st.attached = false;
    this.#attachments.delete(st);
    try {
      importerDetach(st.importer, st.attachment);
    } finally {
      this.#exporterDetach(st);
    }
  }

  #exporterAttach(st: AttachmentState): void {
    exporterAttach(this.exporter, this.#view!, st.info);
    this.#exporterAttached.add(st);
  }

  #exporterDetach(st: AttachmentState): void {
    if (this.#exporterAttached.delete(st)) exporterDetach(this.exporter, this.#view!, st.info);
  }
}

/** A layout in one line, for the debug log: '8192 bytes' or '640x480 XR24, 1228800 bytes, 1 plane(s)'. */
function layoutText(l: BufferLayout): string {
  if (l.width === undefined) return `${l.size} bytes`;
  return `${l.width}x${l.height} ${l.format ?? '?'}, ${l.size} bytes, ${l.planes.length} plane(s)`;
}
