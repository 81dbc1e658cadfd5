// The slots of a V4L2 queue: which buffers sit at which index, and the
// core importers (one per memory plane) through which they are attached.
import {
  assertNotHeld,
  assertUint,
  type DmaBuf,
  type Importer,
  invalidArgument,
  LifecycleError,
  NegotiationError,
} from '@dmabuf/core';
import { isOutputKind, type MemoryKind, type QueueKind } from './constants.js';
import { planeConstraints } from './constraints.js';
import { StreamError } from './errors.js';
import type { PixFormat } from './format.js';
import type { SlotInput } from './queue-types.js';
import { type SlotAssignment, type SlotHandle, type SlotPlane, slotKey, V4l2Slot } from './slot.js';
import { normaliseSlotInput } from './slot-input.js';

/** @internal What a slot table needs of its queue. */
export interface SlotTableHost {
  /** The queue these slots belong to: a map's SlotAssignment names it. */
  readonly queue: object;
  readonly name: string;
  readonly kind: QueueKind;
  readonly memory: MemoryKind;
  readonly format: PixFormat;
  readonly planeCount: number;
  readonly count: number;
  /** A queued slot's buffer was torn down from outside (framework close): fail the stream with this. */
  tornDown(error: StreamError): void;
}

/**
 * @internal A queue's buffer indices. `attach()` gives buffers a free index
 * (the same buffers the same index again), attaching and mapping each plane
 * through the core with the index it assigned passed to the plane
 * importer's onMap; `drop()` unmaps and detaches.
 */
export class SlotTable {
  readonly #host: SlotTableHost;
  readonly #slots: (V4l2Slot | undefined)[];
  readonly #byKey = new Map<string, V4l2Slot>();
  readonly #importers: Importer<SlotHandle, SlotAssignment>[];
  /** Set while this table unmaps and detaches (its importers' onDetach is then no news). */
  #detaching = false;

  constructor(host: SlotTableHost) {
    this.#host = host;
    this.#slots = new Array(host.count).fill(undefined);
    if (host.memory === 'mmap') {
      for (let i = 0; i < host.count; i++) this.#slots[i] = new V4l2Slot(i, [], `mmap:${i}`);
    }
    this.#importers = host.format.planes.map((_, p) => this.#makeImporter(p));
  }

  /** Slots with buffers (DMABUF) or every index (MMAP). */
  get slots(): V4l2Slot[] {
    return this.#slots.filter((s): s is V4l2Slot => s !== undefined);
  }

  /** The slot at a buffer index, if any. */
  at(index: number): V4l2Slot | undefined {
    return this.#slots[index];
  }

  /** The slot at a buffer index a caller named: EINVAL when nothing is attached there. */
  attachedAt(index: number): V4l2Slot {
    assertUint('index', index, this.#host.count - 1);
    const slot = this.#slots[index];
    if (slot) return slot;
    throw new LifecycleError(`${this.#host.name}: index ${index} has no buffer attached`, {
      code: 'EINVAL',
      hint: 'Attach a buffer first (queue.attach(buf))',
    });
  }

  /** An MMAP index's plane was exported as `buffer`: its slot carries it from now on (frames show it). */
  exported(index: number, plane: number, buffer: DmaBuf): void {
    const slot = this.#slots[index];
    if (!slot || this.#host.memory !== 'mmap') return;
    const planes = [...slot.planes];
    planes[plane] = { buffer, offset: 0 };
    const next = new V4l2Slot(index, planes, slot.key);
    next.state = slot.state;
    next.queuedCount = slot.queuedCount;
    this.#slots[index] = next;
  }

  importerFor(plane: number): Importer<SlotHandle, SlotAssignment> {
    const imp = this.#importers[plane];
    if (!imp) throw invalidArgument('plane', `a plane index below ${this.#host.planeCount}`, plane);
    return imp;
  }

  attach(input: SlotInput): V4l2Slot {
    const host = this.#host;
    const planes = normaliseSlotInput(input, host);
    const key = slotKey(planes);
    const known = this.#byKey.get(key);
    if (known) return known;
    const index = this.#slots.indexOf(undefined);
    if (index < 0) {
      throw new LifecycleError(`${host.name}: all ${host.count} slots are taken`, {
        code: 'EBUSY',
        hint: 'Detach a buffer (queue.detach()) or open the queue with a larger count',
      });
    }
    const direction = isOutputKind(host.kind) ? 'to-device' : 'from-device';
    const done: SlotPlane[] = [];
    try {
      planes.forEach((p, plane) => {
        const need = host.format.planes[plane]!.sizeimage;
        if (p.offset > 0 && p.offset + need > p.buffer.size) {
          throw new NegotiationError(
            `${this.importerFor(plane).name} needs ${need} bytes from offset ${p.offset}, ${p.buffer.label} has ${p.buffer.size - p.offset}`,
          );
        }
        const attachment = p.buffer.attach(this.importerFor(plane));
        const sp: SlotPlane = { buffer: p.buffer, offset: p.offset, attachment };
        done.push(sp);
        sp.mapping = attachment.map(direction, { queue: host.queue, slot: index, plane });
      });
    } catch (e) {
      this.#release(done);
      throw e;
    }
    const slot = new V4l2Slot(index, done, key);
    this.#slots[index] = slot;
    this.#byKey.set(key, slot);
    return slot;
  }

  /** The slot a buffer is attached in, if any. */
  slotOf(buffer: DmaBuf): V4l2Slot | undefined {
    return this.slots.find((s) => s.planes.some((p) => p.buffer === buffer));
  }

  /** The live slot for a slot or a buffer; refused (EINVAL) if it is not attached here. */
  resolve(target: V4l2Slot | DmaBuf): V4l2Slot {
    const slot =
      target instanceof V4l2Slot
        ? this.#slots[target.index] === target
          ? target
          : undefined
        : this.slotOf(target);
    if (!slot)
      throw new LifecycleError(
        `${this.#host.name}: ${target instanceof V4l2Slot ? `slot ${target.index}` : target.label} is not attached here`,
        { code: 'EINVAL', hint: 'Attach it first (queue.attach(buf))' },
      );
    return slot;
  }

  /** Free a slot's index and unmap and detach its buffers. */
  drop(slot: V4l2Slot): void {
    for (const p of slot.planes) assertNotHeld(p.buffer, `detach ${this.#host.name}`);
    this.#forget(slot);
    this.#release([...slot.planes]);
  }

  /** Drop every slot; errors are collected and thrown together at the end. */
  dropAll(): void {
    const errors: unknown[] = [];
    for (const s of this.slots) {
      try {
        this.drop(s);
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length)
      throw new AggregateError(errors, `${this.#host.name}: ${errors.length} error(s) while detaching`);
  }

  #makeImporter(plane: number): Importer<SlotHandle, SlotAssignment> {
    const host = this.#host;
    const name = host.planeCount > 1 ? `${host.name} plane ${plane}` : host.name;
    return {
      name,
      constraints: () => planeConstraints(host.format, plane),
      // the slot comes with the map: attach() assigns it and passes it on
      onMap: (_att, _table, _direction, assignment) => {
        if (assignment?.queue !== host.queue || assignment.plane !== plane) {
          throw new LifecycleError(`${name}: map a buffer for this queue through queue.attach(buf)`, {
            code: 'EINVAL',
            hint: 'The queue assigns slots; attach with queue.attach() rather than buf.attach(importer).map()',
          });
        }
        return { slot: assignment.slot, plane };
      },
      onDetach: (att) => {
        if (this.#detaching) return;
        // Torn down from outside (framework close): drop the slot; stop if the kernel held it.
        const slot = this.slots.find((s) => s.planes.some((p) => p.attachment === att));
        if (!slot) return;
        const wasQueued = slot.state === 'queued';
        for (const p of slot.planes) if (p.attachment === att) p.attachment = undefined;
        if (wasQueued) {
          host.tornDown(
            new StreamError(
              `${host.name}: ${att.buffer.label} was torn down while queued; the stream was stopped`,
              {
                code: 'EPIPE',
                hint: 'Stop the queue before closing the framework that owns its buffers',
              },
            ),
          );
        }
        this.drop(slot);
      },
    };
  }

  #release(planes: SlotPlane[]): void {
    this.#detaching = true;
    try {
      for (const p of planes.reverse()) {
        if (p.mapping?.mapped) p.mapping.unmap();
        if (p.attachment?.attached) p.attachment.detach();
      }
    } finally {
      this.#detaching = false;
    }
  }

  #forget(slot: V4l2Slot): void {
    if (this.#slots[slot.index] === slot) this.#slots[slot.index] = undefined;
    if (this.#byKey.get(slot.key) === slot) this.#byKey.delete(slot.key);
  }
}
