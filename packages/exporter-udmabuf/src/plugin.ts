import { assertObject, type DmaBufPlugin, exporterPlugin } from '@dmabuf/core';
import { UdmabufExporter, type UdmabufExporterOptions } from './exporter.js';

/**
 * The udmabuf exporter as a plugin module:
 *   await Framework.create({ plugins: [udmabufPlugin()] })
 * Framework close shuts it down (closes /dev/udmabuf).
 */
export function udmabufPlugin(options: UdmabufExporterOptions = {}): DmaBufPlugin & {
  /** The exporter the plugin registers (its /dev/udmabuf is closed at framework close). */
  exporter: UdmabufExporter;
} {
  assertObject('options', options);
  const exporter = new UdmabufExporter(options);
  return exporterPlugin(exporter, () => exporter.close());
}
