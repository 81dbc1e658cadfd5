/** @deprecated moved to @dmabuf/core; re-exported here for existing imports. */
export { computeLayout, LAYOUT_FORMATS } from '@dmabuf/core';
export { HeapError } from './errors.js';
export { HeapExporter, type HeapExporterOptions, type HeapPriv, type HeapStats } from './exporter.js';
export { HeapDevice } from './heap-device.js';
export { assertHeapName, DEFAULT_HEAP, DMA_HEAP_DIR, type HeapInfo, listHeaps } from './heaps.js';
export { type HeapExportOptions, parseExportOptions, VALID_HEAP_FLAGS } from './options.js';
export { heapPlugin } from './plugin.js';
