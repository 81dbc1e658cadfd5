import { munmapBuffer } from '@dmabuf/core';

/**
 * A CPU view of an MMAP buffer through the device fd (mmap at the buffer's
 * mem_offset). The ArrayBuffer is detached on unmap, so a stale view throws
 * instead of touching unmapped memory.
 */
export class DeviceBufferView implements Disposable {
  /** The buffer's index in its queue (VIDIOC_QUERYBUF index). */
  readonly index: number;
  /** The plane of that buffer this view maps (0 for single-planar formats). */
  readonly plane: number;
  #buffer: ArrayBuffer | undefined;

  /** @internal made by V4l2Queue.mapBuffer */
  constructor(index: number, plane: number, buffer: ArrayBuffer) {
    this.index = index;
    this.plane = plane;
    this.#buffer = buffer;
  }

  /** True until unmap(); after that bytes throws and earlier views are detached. */
  get mapped(): boolean {
    return this.#buffer !== undefined;
  }

  /** The bytes (a new view each time; all die at unmap). */
  get bytes(): Uint8Array {
    if (!this.#buffer) throw new TypeError(`buffer ${this.index} plane ${this.plane} is unmapped`);
    return new Uint8Array(this.#buffer);
  }

  /** Unmap the CPU view (views of it are detached). Once; later calls do nothing. */
  unmap(): void {
    if (!this.#buffer) return;
    const b = this.#buffer;
    this.#buffer = undefined;
    munmapBuffer(b, { what: `cannot unmap buffer ${this.index} plane ${this.plane}` });
  }

  /** `using`: unmap() when the scope ends. */
  [Symbol.dispose](): void {
    this.unmap();
  }
}
