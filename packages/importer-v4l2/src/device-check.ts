import { check } from '@dmabuf/core/driver';
import { ERRNO } from './constants.js';
import { DeviceLostError } from './errors.js';

/** What a device query needs: the node's fd and how messages name it. */
export interface DeviceHandle {
  readonly fd: number;
  readonly name: string;
}

/**
 * The result of a device ioctl, or a typed error: ENODEV (the device went
 * away) is a DeviceLostError, anything else a DmaBufError naming the device.
 */
export function checkDevice<T>(
  device: DeviceHandle,
  r: T | number,
  ioctl: string,
  what: string,
  hint?: (errno: number) => string | undefined,
): T {
  if (r === -ERRNO.ENODEV) throw new DeviceLostError(device.name);
  return check(r, `ioctl(${ioctl})`, `${device.name}: ${what}`, hint);
}
