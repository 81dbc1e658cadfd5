import { invalidArgument } from '@dmabuf/core';
import { assertCount, assertText } from './check.js';
/**
 * The GEM handles one device fd holds, shared by the exporter (its dumb
 * buffers) and the importer (PRIME imports). The kernel gives one handle per
 * buffer per fd, and GEM_CLOSE drops it whatever else uses it, so handles are
 * counted here and closed when the last user lets go. Keyed by handle, with a
 * cache from buffer identity (dev:ino of the dma-buf) to skip the ioctl when
 * the same buffer, or a dup of its fd, comes again.
 */
export class GemHandleTable {
  readonly #refs = new Map<number, number>();
  readonly #byIdentity = new Map<string, number>();
  readonly #close: (handle: number) => void;

  constructor(close: (handle: number) => void) {
    if (typeof close !== 'function') throw invalidArgument('close', 'a function closing a GEM handle', close);
    this.#close = close;
  }

  /** Handles currently held. */
  get size(): number {
    return this.#refs.size;
  }

  /** Whether the handle is held (imported and not yet closed). */
  has(handle: number): boolean {
    assertCount('handle', handle, 0xffffffff);
    return this.#refs.has(handle);
  }

  /** The handle cached for a buffer identity, if held. */
  cached(identity: string): number | undefined {
    assertText('identity', identity);
    return this.#byIdentity.get(identity);
  }

  /** Take a reference to the buffer's handle, importing it (once) with `load`. */
  acquire(identity: string, load: () => number): number {
    assertText('identity', identity);
    if (typeof load !== 'function') throw invalidArgument('load', 'a function returning a GEM handle', load);
    const known = this.#byIdentity.get(identity);
    if (known !== undefined) {
      this.#refs.set(known, (this.#refs.get(known) ?? 0) + 1);
      return known;
    }
    const handle = load();
    this.#refs.set(handle, (this.#refs.get(handle) ?? 0) + 1);
    this.#byIdentity.set(identity, handle);
    return handle;
  }

  /** Drop a reference; the last one closes the handle. Returns true when it was closed. */
  release(handle: number): boolean {
    assertCount('handle', handle, 0xffffffff);
    const n = this.#refs.get(handle);
    if (n === undefined) return false;
    if (n > 1) {
      this.#refs.set(handle, n - 1);
      return false;
    }
    this.#refs.delete(handle);
    for (const [k, h] of this.#byIdentity) if (h === handle) this.#byIdentity.delete(k);
    this.#close(handle);
    return true;
  }

  /** Forget everything without closing (the fd itself was closed). */
  clear(): void {
    this.#refs.clear();
    this.#byIdentity.clear();
  }
}
