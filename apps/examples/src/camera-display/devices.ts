import { existsSync } from 'node:fs';
import { listDrmDevices } from '@dmabuf/exporter-drm';
import { V4l2Device } from '@dmabuf/importer-v4l2';

/** Why this machine cannot run the pipeline itself (empty when it can). */
export function missingDevices(options: { camera?: string; card?: string }): string[] {
  const missing: string[] = [];
  if (options.camera) {
    if (!existsSync(options.camera)) missing.push(`camera ${options.camera} does not exist`);
  } else if (!hasCamera()) missing.push('no V4L2 capture device (/dev/video*)');
  if (options.card) {
    if (!existsSync(options.card)) missing.push(`display card ${options.card} does not exist`);
  } else if (!hasDisplay()) missing.push('no DRM device with a connected display (/dev/dri/card*)');
  return missing;
}

function hasCamera(): boolean {
  return V4l2Device.list().some((d) => d.queues.includes('capture'));
}

function hasDisplay(): boolean {
  return listDrmDevices().some((d) => d.connectors.some((c) => c.connection === 'connected'));
}
