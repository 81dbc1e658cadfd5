import { DEFAULT_HEAP, DMA_HEAP_DIR, HeapDevice, HeapExporter } from '@dmabuf/exporter-heap';
import { closedAtEnd, ERROR_CLASS } from './reasons.js';

/** @typedef {import('../engine.js').Spec} Spec */

/** Exporters made for their methods, closed at the end (each keeps the heaps it used open). */
const exporters = closedAtEnd(() => new HeapExporter());

/** @type {Spec} */
export const heap = {
  entry: '@dmabuf/exporter-heap',
  setup: exporters.setup,
  teardown: exporters.teardown,
  exports: {
    DEFAULT_HEAP: {},
    DMA_HEAP_DIR: {},
    // the constructor only keeps the path: its methods open the heap (ENOENT typed off the lab)
    HeapDevice: { make: () => new HeapDevice(DEFAULT_HEAP, DMA_HEAP_DIR) },
    HeapError: ERROR_CLASS,
    // its hooks called directly (the framework calls them with checked arguments; a caller that
    // reaches them gets typed refusals too): in the lab allocate reaches the real system heap
    HeapExporter: { make: exporters.make },
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
