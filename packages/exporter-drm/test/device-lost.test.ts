import { DmaBufError, SystemError } from '@dmabuf/core';
import { describe, expect, it } from 'vitest';
import { DrmDeviceLostError, DrmError } from '../src/index.js';
import { drmCheck } from '../src/syscall.js';

// The lab test (hardening display-lost-repeated.lab.test.ts) unbinds virtio-gpu under a showing
// display; this is the mapping it relies on: ENODEV from a DRM ioctl means the device is gone.
describe('a DRM device that is gone', () => {
  it('ENODEV from a DRM ioctl is a DrmDeviceLostError naming the device, the ioctl and what to do', () => {
    let err: unknown;
    try {
      drmCheck(-19, 'DRM_IOCTL_MODE_ATOMIC', 'DRM card1 (virtio_gpu)', 'Virtual-1: page flip failed');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DrmDeviceLostError);
    expect(err).toBeInstanceOf(DrmError);
    expect(err).toBeInstanceOf(DmaBufError);
    expect(err).toMatchObject({
      code: 'ENODEV',
      errno: 19,
      syscall: 'ioctl(DRM_IOCTL_MODE_ATOMIC)',
      device: 'DRM card1 (virtio_gpu)',
    });
    expect((err as Error).message).toMatch(
      /^DRM card1 \(virtio_gpu\): Virtual-1: page flip failed: the device is gone/,
    );
    expect((err as DrmDeviceLostError).hint).toMatch(/open them again/);
  });

  it('open() of a node whose device is gone says open, not ioctl; other errnos stay SystemErrors', () => {
    expect(() => drmCheck(-19, 'open', '/dev/dri/card1', 'cannot open the DRM device')).toThrow(
      expect.objectContaining({ name: 'DrmDeviceLostError', syscall: 'open' }),
    );
    expect(() => drmCheck(-22, 'DRM_IOCTL_MODE_ATOMIC', 'DRM card1', 'x')).toThrow(SystemError);
    expect(drmCheck(5, 'DRM_IOCTL_MODE_ATOMIC', 'DRM card1', 'x')).toBe(5);
  });

  it('is built from whatever it is given (an error must not throw while being made)', () => {
    const e = new DrmDeviceLostError(Symbol('d') as never, null as never, 7 as never);
    expect(e).toMatchObject({ code: 'ENODEV', errno: 19 });
  });
});
