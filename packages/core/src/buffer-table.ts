/**
 * The buffers of a framework that are not released yet, in reusable slots
 * (adding and removing one is an array store). A buffer is held strongly
 * from add() until the event-loop turn it was added in is over, then through
 * a WeakRef, so a buffer dropped without release can still be collected (and
 * reported by the leak guard).
 *
 * Why not a WeakRef at once: V8 keeps the target of a new WeakRef alive until
 * the job ends anyway, and a job lasts as long as its microtasks, so a loop
 * with `await` in it would keep every buffer it ever made. Held here instead,
 * a buffer released in the turn it was made in is let go at once and never
 * needs a WeakRef at all: the usual export → use → release cycle makes none.
 * `settle` is called for each item as it is weakened (the framework puts the
 * buffer under the leak guard then: before, it cannot be collected anyway).
 */
export class BufferTable<T extends object> {
  readonly #slots: (T | WeakRef<T> | undefined)[] = [];
  readonly #free: number[] = [];
  /** Slots filled in this turn (possibly emptied and refilled since): weakened when the turn is over. */
  readonly #young: number[] = [];
  readonly #settle: (item: T) => void;
  #weakening: NodeJS.Immediate | undefined;

  constructor(settle: (item: T) => void) {
    this.#settle = settle;
  }

  /** Hold item; returns its slot for remove(). */
  add(item: T): number {
    const slot = this.#free.length ? this.#free.pop()! : this.#slots.length;
    this.#slots[slot] = item;
    this.#young.push(slot);
    this.#weakening ??= setImmediate(this.#weaken).unref();
    return slot;
  }

  remove(slot: number): void {
    if (this.#slots[slot] === undefined) return;
    this.#slots[slot] = undefined;
    this.#free.push(slot);
    // made and removed in one turn, the usual case: #young stays short
    if (this.#young[this.#young.length - 1] === slot) this.#young.pop();
  }

  /** The items held, in slot order; slots whose item was collected are freed. */
  values(): T[] {
    const out: T[] = [];
    const slots = this.#slots;
    for (let i = 0; i < slots.length; i++) {
      const v = slots[i];
      if (v === undefined) continue;
      const item = v instanceof WeakRef ? v.deref() : v;
      if (item) {
        out.push(item);
      } else {
        slots[i] = undefined;
        this.#free.push(i);
      }
    }
    return out;
  }

  readonly #weaken = (): void => {
    this.#weakening = undefined;
    const slots = this.#slots;
    for (const slot of this.#young) {
      const v = slots[slot];
      if (v === undefined || v instanceof WeakRef) continue;
      slots[slot] = new WeakRef(v);
      this.#settle(v);
    }
    this.#young.length = 0;
  };
}
