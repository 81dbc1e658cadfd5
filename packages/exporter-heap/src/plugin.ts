import { assertObject, type DmaBufPlugin, exporterPlugin } from '@dmabuf/core';
import { HeapExporter, type HeapExporterOptions } from './exporter.js';

/**
 * The dma-heap exporter as a plugin module:
 *   await Framework.create({ plugins: [heapPlugin()] })
 * Framework close shuts it down (closes the heap devices).
 */
export function heapPlugin(options: HeapExporterOptions = {}): DmaBufPlugin & {
  /** The exporter the plugin registers (read its stats); closed at framework close. */
  exporter: HeapExporter;
} {
  assertObject('options', options);
  const exporter = new HeapExporter(options);
  return exporterPlugin(exporter, () => exporter.close());
}
