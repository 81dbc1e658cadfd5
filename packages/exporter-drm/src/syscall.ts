import { ERRNO } from '@dmabuf/core';
import { check } from '@dmabuf/core/driver';
import { DrmDeviceLostError } from './errors.js';

const { EACCES, EBUSY, ENODEV, EOPNOTSUPP, EPERM } = ERRNO;

const HINTS: Record<number, string> = {
  [EPERM]: 'This needs DRM master: run as the only display client (stop the compositor), or on a free VT',
  [EACCES]: 'This needs DRM master or root: run as the only display client, or check the device permissions',
  [EOPNOTSUPP]:
    'The driver does not do this (vgem has no KMS; render nodes have no dumb buffers or modesetting)',
  [EBUSY]: 'The device is busy: wait for the pending page flip to complete first',
};

/**
 * check() for a DRM ioctl: the message names the device, the hint says what to do for common errnos.
 * ENODEV is the kernel's answer on a device that was unplugged (drm_ioctl checks that first): a DrmDeviceLostError.
 */
export function drmCheck<T>(
  result: T | number,
  ioctl: string,
  device: string,
  what: string,
  hint?: string | ((errno: number) => string | undefined),
): T {
  if (result === -ENODEV)
    throw new DrmDeviceLostError(device, what, ioctl === 'open' ? 'open' : `ioctl(${ioctl})`);
  return check(
    result,
    `ioctl(${ioctl})`,
    `${device}: ${what}`,
    (errno) => (typeof hint === 'function' ? hint(errno) : hint) ?? HINTS[errno],
  );
}
