import { check } from '@dmabuf/core/driver';

const HINTS: Record<number, string> = {
  1: 'This needs DRM master: run as the only display client (stop the compositor), or on a free VT',
  13: 'This needs DRM master or root: run as the only display client, or check the device permissions',
  95: 'The driver does not do this (vgem has no KMS; render nodes have no dumb buffers or modesetting)',
  16: 'The device is busy: wait for the pending page flip to complete first',
};

/** check() for a DRM ioctl: the message names the device, the hint says what to do for common errnos. */
export function drmCheck<T>(
  result: T | number,
  ioctl: string,
  device: string,
  what: string,
  hint?: string | ((errno: number) => string | undefined),
): T {
  return check(
    result,
    `ioctl(${ioctl})`,
    `${device}: ${what}`,
    (errno) => (typeof hint === 'function' ? hint(errno) : hint) ?? HINTS[errno],
  );
}
