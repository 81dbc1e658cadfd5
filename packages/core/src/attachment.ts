import type { BufferView } from './buffer-view.js';
import type { Constraints } from './constraints.js';
import type { AttachmentInfo } from './exporter.js';
import type { Importer } from './importer.js';
import { assertNotHeld } from './link/holds.js';
import { runEach } from './run-each.js';
import type { MapDirection, SgTable } from './sg-table.js';
import type { SmallSet } from './small-set.js';

/**
 * @internal What the buffer's lifecycle keeps of one attachment. The
 * Attachment handle holds it and hands it back with every call; only the
 * lifecycle changes it.
 */
// biome-ignore lint/suspicious/noExplicitAny: the lifecycle keeps attachments of every handle and context type
export interface AttachmentState<H = any, C = any> {
  readonly buffer: BufferView;
  /** Set by the Attachment as it is made. */
  attachment: Attachment<H, C, BufferView>;
  readonly importer: Importer<H, C>;
  readonly constraints: Constraints;
  /** The exporter's view of the attachment, made once. */
  readonly info: AttachmentInfo;
  attached: boolean;
  readonly mappings: SmallSet<DeviceMapping<H, C, BufferView>>;
}

/**
 * @internal The lifecycle's operations, as attachment and mapping handles
 * call them (one object shared by every buffer): each is told the state it
 * is for, so no handle reaches into the buffer.
 */
export interface AttachmentOps {
  map<H, C>(
    state: AttachmentState<H, C>,
    direction: MapDirection,
    context: C | undefined,
  ): DeviceMapping<H, C>;
  unmap<H, C>(state: AttachmentState<H, C>, mapping: DeviceMapping<H, C, BufferView>): void;
  detach(state: AttachmentState): void;
}

/** An attachment whatever its device handle type (internal bookkeeping). */
// biome-ignore lint/suspicious/noExplicitAny: handle type is erased in the buffer's bookkeeping
export type AnyAttachment = Attachment<any, any, any>;

/**
 * A device's attachment to a buffer. Map it to get the scatterlist (and the
 * device-side handle); detach when done. The buffer's lifecycle enforces: no
 * map after detach, no detach while mapped.
 *
 * H is the device handle a map yields, C the context a map hands the
 * importer's onMap, B the buffer type (`DmaBuf` for what `buf.attach()` returns).
 */
export class Attachment<H = unknown, C = unknown, B extends BufferView = BufferView> implements Disposable {
  readonly #state: AttachmentState<H, C>;
  readonly #ops: AttachmentOps;

  /** @internal made by the buffer's lifecycle (buf.attach) */
  constructor(ops: AttachmentOps, state: AttachmentState<H, C>) {
    this.#ops = ops;
    this.#state = state;
    state.attachment = this as Attachment<H, C, BufferView>;
  }

  /** Unique per process: the id the exporter's and importer's hooks see for this attachment. */
  get id(): number {
    return this.#state.info.id;
  }

  /** The buffer this attachment is on. */
  get buffer(): B {
    return this.#state.buffer as B;
  }

  /** The device that attached (its hooks are called for every map, unmap and the detach). */
  get importer(): Importer<H, C> {
    return this.#state.importer;
  }

  /** What the device asked of the buffer when it attached (checked at attach, or at allocation when late). */
  get constraints(): Constraints {
    return this.#state.constraints;
  }

  /** False once detached (or torn down at framework close); a detached attachment refuses map with EINVAL. */
  get attached(): boolean {
    return this.#state.attached;
  }

  /** The device's name (the importer's `name`), as messages show it. */
  get device(): string {
    return this.#state.importer.name;
  }

  /** Live mappings of this attachment. */
  get mapCount(): number {
    return this.#state.mappings.size;
  }

  /**
   * Map the buffer for the device: returns the scatterlist and the device's
   * handle. Allocates the buffer first if it is still pending (late
   * allocation). `context` is handed to the importer's onMap as it is (a
   * V4L2 queue passes the slot it assigns).
   */
  map(direction: MapDirection = 'bidirectional', context?: C): DeviceMapping<H, C, B> {
    return this.#ops.map(this.#state, direction, context) as DeviceMapping<H, C, B>;
  }

  /** Detach the device. Refused (EBUSY) while mappings are live. */
  detach(): void {
    if (this.#state.attached) assertNotHeld(this.#state.buffer, `detach ${this.device}`);
    this.#ops.detach(this.#state);
  }

  /**
   * `using`: when the scope ends, unmap every mapping left and detach (nothing if already
   * detached). A hook that throws does not stop the rest: every mapping is unmapped and the
   * device detached, then the first failure is thrown.
   */
  [Symbol.dispose](): void {
    const state = this.#state;
    if (!state.attached) return;
    assertNotHeld(state.buffer, `detach ${this.device}`);
    runEach([...state.mappings.toArray().map((m) => () => m.unmap()), () => this.#ops.detach(state)]);
  }

  /** @internal forced teardown by framework close: unmap all, then detach. */
  teardown(): void {
    this[Symbol.dispose]();
  }
}

/** A live device mapping: the scatterlist plus the device handle. Unmap once. */
export class DeviceMapping<H = unknown, C = unknown, B extends BufferView = BufferView>
  implements Disposable
{
  /** The exporter's scatterlist for this map: segments and planes, at least the buffer's size. */
  readonly table: SgTable;
  /** Which way the data flows for this map ('to-device', 'from-device' or 'bidirectional'). */
  readonly direction: MapDirection;
  /** What the importer's onMap returned (a GEM handle, a V4L2 slot); undefined for an importer without onMap. */
  readonly handle: H;
  readonly #state: AttachmentState<H, C>;
  readonly #ops: AttachmentOps;

  /** @internal made by the buffer's lifecycle (attachment.map) */
  constructor(
    ops: AttachmentOps,
    state: AttachmentState<H, C>,
    table: SgTable,
    direction: MapDirection,
    handle: H,
  ) {
    this.#ops = ops;
    this.#state = state;
    this.table = table;
    this.direction = direction;
    this.handle = handle;
  }

  /** The attachment this mapping belongs to. */
  get attachment(): Attachment<H, C, B> {
    return this.#state.attachment as Attachment<H, C, B>;
  }

  /** False once unmapped (or torn down at framework close). */
  get mapped(): boolean {
    return this.#state.mappings.has(this);
  }

  /** Unmap: the importer's onUnmap, then the exporter's unmap. Refused (EINVAL) the second time. */
  unmap(): void {
    if (this.mapped) assertNotHeld(this.#state.buffer, `unmap for ${this.#state.importer.name}`);
    this.#ops.unmap(this.#state, this);
  }

  /** `using`: unmap() when the scope ends, if not done already. */
  [Symbol.dispose](): void {
    if (this.mapped) this.unmap();
  }
}
