import type { Constraints } from './constraints.js';
import type { DmaBuf } from './dma-buf.js';
import { LifecycleError, PluginError } from './errors.js';
import type { AttachmentInfo } from './exporter.js';
import type { Importer } from './importer.js';
import { MAP_DIRECTIONS, type MapDirection, type SgTable } from './sg-table.js';
import { SmallSet } from './small-set.js';
import { assertOneOf } from './validate.js';

let nextAttachmentId = 1;

/** An attachment whatever its device handle type (internal bookkeeping). */
// biome-ignore lint/suspicious/noExplicitAny: handle type is erased in the buffer's bookkeeping
export type AnyAttachment = Attachment<any>;

/**
 * Internal hooks an Attachment needs from its buffer (not public API): one
 * object shared by every buffer, each hook told which attachment it is for
 * (its buffer is `att.buffer`), so a buffer allocates no closures for them.
 */
export interface AttachmentHost {
  assertLive(att: AnyAttachment): void;
  /** Late allocation happens here if the buffer is still pending. */
  mapForDevice(att: AnyAttachment, direction: MapDirection): SgTable;
  unmapForDevice(att: AnyAttachment, table: SgTable, direction: MapDirection): void;
  removeAttachment(att: AnyAttachment): void;
}

let infoOf: (att: AnyAttachment) => AttachmentInfo;
// biome-ignore lint/suspicious/noExplicitAny: one unmap for mappings of every handle type
let unmapOf: (mapping: DeviceMapping<any>) => void;

/** @internal The exporter's view of an attachment: one object per attachment, made once. */
export function attachmentInfo(att: AnyAttachment): AttachmentInfo {
  return infoOf(att);
}

/**
 * A device's attachment to a buffer. Map it to get the scatterlist (and the
 * device-side handle); detach when done. The core enforces: no map after
 * detach, no detach while mapped.
 */
export class Attachment<H = unknown> implements Disposable {
  readonly id = nextAttachmentId++;
  readonly buffer: DmaBuf;
  readonly importer: Importer<H>;
  readonly constraints: Constraints;
  readonly #host: AttachmentHost;
  readonly #mappings = new SmallSet<DeviceMapping<H>>();
  readonly #info: AttachmentInfo;
  #attached = true;

  static {
    infoOf = (att) => att.#info;
    unmapOf = (m) => m.attachment.#unmap(m);
  }

  /** @internal created by DmaBuf.attach */
  constructor(buffer: DmaBuf, host: AttachmentHost, importer: Importer<H>, constraints: Constraints) {
    this.buffer = buffer;
    this.#host = host;
    this.importer = importer;
    this.constraints = constraints;
    this.#info = { id: this.id, device: importer.name, constraints };
  }

  get attached(): boolean {
    return this.#attached;
  }

  get device(): string {
    return this.importer.name;
  }

  /** Live mappings of this attachment. */
  get mapCount(): number {
    return this.#mappings.size;
  }

  /**
   * Map the buffer for the device: returns the scatterlist and the device's
   * handle. Allocates the buffer first if it is still pending (late allocation).
   */
  map(direction: MapDirection = 'bidirectional'): DeviceMapping<H> {
    assertOneOf('direction', direction, MAP_DIRECTIONS);
    if (!this.#attached) {
      throw new LifecycleError(`${this.buffer.label}: map after detach (${this.device})`, {
        code: 'EINVAL',
        hint: 'Attach again (buf.attach(device)) before mapping',
      });
    }
    this.#host.assertLive(this);
    const table = this.#host.mapForDevice(this, direction);
    let handle = undefined as H;
    const importer = this.importer;
    if (importer.onMap) {
      try {
        handle = importer.onMap(this, table, direction);
      } catch (e) {
        this.#host.unmapForDevice(this, table, direction);
        throw new PluginError(importer.name, 'onMap', e);
      }
    }
    const mapping = new DeviceMapping<H>(this, table, direction, handle, unmapOf);
    this.#mappings.add(mapping);
    return mapping;
  }

  /** Detach the device. Refused (EBUSY) while mappings are live. */
  detach(): void {
    if (!this.#attached) {
      throw new LifecycleError(`${this.buffer.label}: ${this.device} already detached`, {
        code: 'EINVAL',
        hint: 'Detach each attachment once',
      });
    }
    if (this.#mappings.size > 0) {
      throw new LifecycleError(
        `${this.buffer.label}: detach while mapped (${this.device} has ${this.#mappings.size} live mapping(s))`,
        {
          code: 'EBUSY',
          hint: 'Unmap every mapping of this attachment first (mapping.unmap() or `using`)',
        },
      );
    }
    this.#attached = false;
    this.#host.removeAttachment(this);
  }

  [Symbol.dispose](): void {
    if (!this.#attached) return;
    if (this.#mappings.size) for (const m of this.#mappings.toArray()) m.unmap();
    this.detach();
  }

  /** @internal forced teardown by framework close: unmap all, then detach. */
  teardown(): void {
    this[Symbol.dispose]();
  }

  #unmap(mapping: DeviceMapping<H>): void {
    this.#mappings.delete(mapping);
    const importer = this.importer;
    try {
      if (importer.onUnmap) {
        try {
          importer.onUnmap(this, mapping.handle);
        } catch (e) {
          throw new PluginError(importer.name, 'onUnmap', e);
        }
      }
    } finally {
      this.#host.unmapForDevice(this, mapping.table, mapping.direction);
    }
  }
}

/** A live device mapping: the scatterlist plus the device handle. Unmap once. */
export class DeviceMapping<H = unknown> implements Disposable {
  readonly attachment: Attachment<H>;
  readonly table: SgTable;
  readonly direction: MapDirection;
  readonly handle: H;
  readonly #unmapFn: (m: DeviceMapping<H>) => void;
  #mapped = true;

  constructor(
    attachment: Attachment<H>,
    table: SgTable,
    direction: MapDirection,
    handle: H,
    unmap: (m: DeviceMapping<H>) => void,
  ) {
    this.attachment = attachment;
    this.table = table;
    this.direction = direction;
    this.handle = handle;
    this.#unmapFn = unmap;
  }

  get mapped(): boolean {
    return this.#mapped;
  }

  unmap(): void {
    if (!this.#mapped) {
      throw new LifecycleError(`mapping of ${this.attachment.device} already unmapped`, {
        code: 'EINVAL',
        hint: 'Unmap each mapping once',
      });
    }
    this.#mapped = false;
    this.#unmapFn(this);
  }

  [Symbol.dispose](): void {
    if (this.#mapped) this.unmap();
  }
}
