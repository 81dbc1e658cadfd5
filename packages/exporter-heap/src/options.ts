import { assertKnownKeys, invalidArgument } from '@dmabuf/core';
import { HeapError } from './errors.js';
import { assertHeapName } from './heaps.js';

/** What `framework.export({ exporter: 'dma-heap', options })` accepts. */
export interface HeapExportOptions {
  /** The heap to allocate from (default: the plugin's, 'system'). */
  heap?: string;
  /** DMA_HEAP_IOCTL_ALLOC heap_flags. The kernel defines none yet: only 0 is valid. */
  heapFlags?: number;
}

const KEYS = ['heap', 'heapFlags'] as const;
/** DMA_HEAP_VALID_HEAP_FLAGS in the kernel's uapi: no heap flags are defined. */
export const VALID_HEAP_FLAGS = 0;

/** Validate `options` of an export request (unknown keys are refused, not ignored). */
export function parseExportOptions(options: Readonly<Record<string, unknown>>): HeapExportOptions {
  assertKnownKeys('options', options, KEYS, 'the dma-heap options');
  const { heap, heapFlags } = options as HeapExportOptions;
  if (heap !== undefined) assertHeapName(heap, 'options.heap');
  if (heapFlags !== undefined) {
    if (typeof heapFlags !== 'number' || !Number.isSafeInteger(heapFlags) || heapFlags < 0) {
      throw invalidArgument('options.heapFlags', 'a non-negative integer', heapFlags);
    }
    if ((heapFlags & ~VALID_HEAP_FLAGS) !== 0) {
      throw new HeapError(
        `heap flags 0x${heapFlags.toString(16)} are not defined (the kernel's DMA_HEAP_VALID_HEAP_FLAGS is 0x${VALID_HEAP_FLAGS.toString(16)})`,
        'EINVAL',
        'Pass no heapFlags (or 0); choose the kind of memory by heap name instead',
        heap,
      );
    }
  }
  return { ...(heap !== undefined ? { heap } : {}), ...(heapFlags !== undefined ? { heapFlags } : {}) };
}
