import { assertPositive, assertString, assertUint, closeFd, ERRNO } from '@dmabuf/core';
import { check } from '@dmabuf/core/driver';
import { HeapError } from './errors.js';
import { assertHeapName, listHeaps } from './heaps.js';
import { heapNative } from './native.js';

const { EACCES, EINVAL, ENOENT, ENOMEM, ENOTTY } = ERRNO;

/**
 * One open dma-heap (/dev/dma_heap/<name>): opened at its first allocation,
 * closed by close(). `alloc` sends what it is given; the exporter checks first.
 */
export class HeapDevice {
  /** The heap's name, e.g. 'system' (the file under dir). */
  readonly name: string;
  /** The folder of the heaps, /dev/dma_heap unless given. */
  readonly dir: string;
  #fd = -1;

  constructor(name: string, dir: string) {
    assertHeapName(name, 'name');
    assertString('dir', dir);
    this.name = name;
    this.dir = dir;
  }

  /** The heap's device node: dir/name. */
  get path(): string {
    return `${this.dir}/${this.name}`;
  }

  /** True between the first allocation and close(). */
  get isOpen(): boolean {
    return this.#fd >= 0;
  }

  /** The heap's fd, opening it on first use; a missing heap is a HeapError listing the heaps there are. */
  fd(): number {
    if (this.#fd >= 0) return this.#fd;
    const fd = heapNative().openHeap(this.path);
    if (fd === -ENOENT) {
      const have = listHeaps(this.dir).map((h) => h.name);
      throw new HeapError(
        `there is no dma-heap '${this.name}' in ${this.dir}`,
        'ENOENT',
        have.length
          ? `Use one of: ${have.join(', ')}`
          : `This kernel has no dma-heaps: build it with CONFIG_DMABUF_HEAPS and CONFIG_DMABUF_HEAPS_SYSTEM; on a machine without them, run in the virtual lab: npx -p @dmabuf/lab dmabuf-lab run -- <command>`,
        this.name,
        `open(${this.path})`,
      );
    }
    this.#fd = check(fd, `open(${this.path})`, `cannot open dma-heap ${this.path}`, (e) =>
      e === EACCES ? `Give this user read access to ${this.path}, or run as root` : undefined,
    );
    return this.#fd;
  }

  /** DMA_HEAP_IOCTL_ALLOC: a dma-buf fd of `len` bytes with these fd flags and heap flags. */
  alloc(len: number, fdFlags: number, heapFlags = 0): number {
    assertPositive('len', len);
    assertUint('fdFlags', fdFlags, 0xffffffff);
    assertUint('heapFlags', heapFlags, 2 ** 53 - 1);
    const fd = this.fd();
    return check(
      heapNative().alloc(fd, len, fdFlags, heapFlags),
      'ioctl(DMA_HEAP_IOCTL_ALLOC)',
      `dma-heap ${this.name}: cannot allocate ${len} bytes`,
      (e) => {
        if (e === ENOMEM)
          return `The ${this.name} heap could not find ${len} bytes: free memory, or allocate less`;
        if (e === EINVAL)
          return 'The heap refused the flags or size: fd flags must be an access mode with O_CLOEXEC, heap flags 0, size > 0';
        if (e === ENOTTY) return `${this.path} is not a dma-heap`;
        return undefined;
      },
    );
  }

  /** Close the heap (buffers allocated from it stay valid). Once; later calls do nothing. */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    closeFd(fd);
  }
}
