import { DEFAULT_HEAP, DMA_HEAP_DIR, HeapDevice } from '@dmabuf/exporter-heap';
import { ERROR_CLASS, PLUGIN_HOOKS } from './reasons.js';

/** @typedef {import('../engine.js').Spec} Spec */

/** @type {Spec} */
export const heap = {
  entry: '@dmabuf/exporter-heap',
  exports: {
    DEFAULT_HEAP: {},
    DMA_HEAP_DIR: {},
    // the constructor only keeps the path: its methods open the heap (ENOENT typed off the lab)
    HeapDevice: { make: () => new HeapDevice(DEFAULT_HEAP, DMA_HEAP_DIR) },
    HeapError: ERROR_CLASS,
    HeapExporter: PLUGIN_HOOKS,
    LAYOUT_FORMATS: {},
    VALID_HEAP_FLAGS: {},
    assertHeapName: {
      named: "a check for plugin authors: the name it reports is the caller's label",
      lenient: "only the name is checked; 'what' is the caller's label",
    },
    computeLayout: {},
    heapPlugin: {},
    listHeaps: {},
    parseExportOptions: {},
  },
};
