import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAddon } from '@dmabuf/core/driver';

/**
 * The dma-heap addon. Arguments are validated in TypeScript first; every
 * function returns a negative errno on failure instead of throwing.
 */
export interface HeapAddon {
  /** open(path, O_RDONLY | O_CLOEXEC) */
  openHeap(path: string): number;
  /** DMA_HEAP_IOCTL_ALLOC -> dma-buf fd */
  alloc(heapFd: number, len: number, fdFlags: number, heapFlags: number): number;
  flags: { O_RDWR: number; O_CLOEXEC: number; O_ACCMODE: number };
}

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

let addon: HeapAddon | undefined;

/** The dma-heap addon, loaded on first use. */
export function heapNative(): HeapAddon {
  addon ??= loadAddon<HeapAddon>(packageRoot, '@dmabuf/exporter-heap');
  return addon;
}
