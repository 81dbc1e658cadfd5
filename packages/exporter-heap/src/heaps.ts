import { readdirSync } from 'node:fs';
import { assertString } from '@dmabuf/core';
import { HeapError } from './errors.js';

/** Where the kernel puts its dma-heaps. */
export const DMA_HEAP_DIR = '/dev/dma_heap';

/** The heap a buffer comes from when none is named. */
export const DEFAULT_HEAP = 'system';

/** A dma-heap of this machine, as `listHeaps` finds it. */
export interface HeapInfo {
  /** The heap's name, which is also the exp_name of its buffers ('system', 'linux,cma', ...). */
  name: string;
  /** Its device node. */
  path: string;
}

/** The heaps this kernel offers: the entries of /dev/dma_heap (none if there is no such folder). */
export function listHeaps(dir = DMA_HEAP_DIR): HeapInfo[] {
  assertString('dir', dir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.sort().map((name) => ({ name, path: `${dir}/${name}` }));
}

const HEAP_NAME = /^[A-Za-z0-9][A-Za-z0-9,._-]{0,63}$/;

/** A heap name is a plain file name in /dev/dma_heap (e.g. 'system', 'linux,cma'). */
export function assertHeapName(name: unknown, what = 'heap'): asserts name is string {
  if (typeof name !== 'string' || !HEAP_NAME.test(name)) {
    throw new HeapError(
      `${typeof what === 'string' ? what : 'heap'} ${typeof name === 'string' ? `'${name}'` : typeof name === 'object' && name !== null ? 'an object' : String(name)} is not a heap name`,
      'EINVAL',
      "Name a heap as it appears in /dev/dma_heap, e.g. 'system' (listHeaps() shows them)",
    );
  }
}
