/**
 * A set for the usual zero or one member (a buffer's attachments, an
 * attachment's mappings): one member is held in a field, a Set is made only
 * from the second on. Iteration order is insertion order, as with a Set.
 */
export class SmallSet<T extends object> {
  #one: T | undefined;
  #many: Set<T> | undefined;

  get size(): number {
    return this.#many ? this.#many.size : this.#one ? 1 : 0;
  }

  add(value: T): void {
    if (this.#many) this.#many.add(value);
    else if (!this.#one) this.#one = value;
    else if (this.#one !== value) {
      this.#many = new Set([this.#one, value]);
      this.#one = undefined;
    }
  }

  has(value: T): boolean {
    return this.#many ? this.#many.has(value) : this.#one === value;
  }

  /** Whether value was a member. */
  delete(value: T): boolean {
    if (this.#many) {
      const had = this.#many.delete(value);
      if (this.#many.size === 0) this.#many = undefined;
      return had;
    }
    if (this.#one !== value) return false;
    this.#one = undefined;
    return true;
  }

  /** The members in insertion order, as a new array (safe to change the set while walking it). */
  toArray(): T[] {
    return this.#many ? [...this.#many] : this.#one ? [this.#one] : [];
  }
}
