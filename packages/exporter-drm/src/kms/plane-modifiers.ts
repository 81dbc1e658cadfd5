import { invalidArgument } from '@dmabuf/core';
import { assertOpenDevice, assertPlane } from '../check.js';
import type { DrmDevice } from '../device.js';
import { drmNative } from '../native.js';
import { drmCheck } from '../syscall.js';
import { parseInFormats } from './in-formats.js';
import type { KmsPlane } from './snapshot.js';

/**
 * The formats a plane scans out and, per format, the modifiers it takes
 * (its IN_FORMATS blob). A plane without the blob takes its formats LINEAR
 * only: each format then maps to [0n].
 */
export function planeModifiers(device: DrmDevice, plane: KmsPlane): Map<string, bigint[]> {
  assertOpenDevice('device', device);
  assertPlane('plane', plane);
  if (!Array.isArray(plane.formats))
    throw invalidArgument('plane.formats', 'an array of fourccs', plane.formats);
  if (!plane.inFormatsBlob) return new Map(plane.formats.map((f) => [f, [0n]]));
  const blob = drmCheck(
    drmNative().getPropBlob(device.fd, plane.inFormatsBlob),
    'DRM_IOCTL_MODE_GETPROPBLOB',
    device.label,
    `cannot read the IN_FORMATS of plane ${plane.id}`,
  );
  return parseInFormats(blob);
}
