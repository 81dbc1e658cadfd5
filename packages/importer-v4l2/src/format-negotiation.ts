import { ERRNO } from '@dmabuf/core';
import type { QueueKind } from './constants.js';
import { checkDevice, type DeviceHandle } from './device-check.js';
import { FormatError } from './errors.js';
import { type FormatRequest, formatFromRaw, formatToRaw, type PixFormat } from './format.js';
import { fourccName } from './fourcc.js';
import { v4l2 } from './native.js';

/** A queue of a device, as format negotiation needs it. */
export interface FormatTarget {
  readonly device: DeviceHandle;
  readonly kind: QueueKind;
  readonly type: number;
  /** The pixel formats the queue offers (ENUM_FMT). */
  readonly offered: string[];
}

/** The current format of a queue (G_FMT). */
export function readFormat(device: DeviceHandle, kind: QueueKind, type: number): PixFormat {
  const r = v4l2().getFormat(device.fd, type);
  return formatFromRaw(checkDevice(device, r, 'VIDIOC_G_FMT', `cannot read the ${kind} format`));
}

/**
 * S_FMT (or TRY_FMT) of `request` over the queue's current format. A pixel
 * format the queue does not offer, or one the driver replaces by another,
 * is a FormatError listing what it offers (the kernel would silently pick).
 */
export function negotiateFormat(target: FormatTarget, request: FormatRequest, tryOnly: boolean): PixFormat {
  const { device, kind, type, offered } = target;
  const raw = formatToRaw(readFormat(device, kind, type), request);
  const wanted = fourccName(raw.pixelformat);
  const pick = `Pick one of ${offered.join(', ')}`;
  if (!offered.includes(wanted)) {
    throw new FormatError(`${device.name} ${kind} does not offer pixel format ${wanted}`, pick);
  }
  const r = checkDevice(
    device,
    v4l2().setFormat(device.fd, type, raw, tryOnly),
    tryOnly ? 'VIDIOC_TRY_FMT' : 'VIDIOC_S_FMT',
    `cannot set the ${kind} format to ${wanted}`,
    (errno) =>
      errno === ERRNO.EBUSY
        ? 'Buffers are allocated: set the format before opening the queue (or close it first)'
        : undefined,
  );
  const got = formatFromRaw(r);
  if (got.pixelformat !== wanted) {
    throw new FormatError(`${device.name} ${kind} replaced ${wanted} by ${got.pixelformat}`, pick);
  }
  return got;
}
