import { assertObject, type DmaBufPlugin, exporterPlugin } from '@dmabuf/core';
import { DrmDevice } from './device.js';
import { DrmDumbExporter } from './dumb-exporter.js';
import { type DrmDeviceNeeds, findDrmDevice } from './enumerate.js';

/** Options of `drmExporterPlugin`: which device, and the exporter's options. */
export interface DrmExporterPluginOptions {
  /** An open device (the caller keeps and closes it), or a path the plugin opens and closes. Default: the first device with dumb buffers and PRIME export. */
  device?: DrmDevice | string;
  /** Extra needs when picking the device (e.g. { display: true }). */
  needs?: DrmDeviceNeeds;
  /** Plugin name (default 'drm'). */
  name?: string;
  /** Export read-only dma-bufs unless a buffer asks otherwise. */
  readOnly?: boolean;
}

/**
 * The DRM dumb-buffer exporter as a plugin module:
 *   const fw = await Framework.create({ plugins: [drmExporterPlugin({ device: '/dev/dri/card1' })] });
 *   const buf = fw.export({ width: 640, height: 480, format: 'XR24' });
 */
export function drmExporterPlugin(options: DrmExporterPluginOptions = {}): DmaBufPlugin & {
  /** The exporter the plugin registers. */
  readonly exporter: DrmDumbExporter;
  /** The device it allocates on: closed at framework close when the plugin opened it (a path or none given). */
  readonly device: DrmDevice;
} {
  assertObject('options', options);
  const owned = !(options.device instanceof DrmDevice);
  const device =
    options.device instanceof DrmDevice
      ? options.device
      : options.device !== undefined
        ? DrmDevice.open(options.device)
        : findDrmDevice({ dumbBuffers: true, primeExport: true, ...options.needs });
  let exporter: DrmDumbExporter;
  try {
    exporter = new DrmDumbExporter({
      device,
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.readOnly !== undefined ? { readOnly: options.readOnly } : {}),
    });
  } catch (e) {
    if (owned) device.close();
    throw e;
  }
  return { ...exporterPlugin(exporter, () => (owned ? device.close() : undefined)), device };
}
