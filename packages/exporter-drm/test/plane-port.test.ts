import { describe, expect, it } from 'vitest';
import { DrmDeviceLostError, DrmError } from '../src/errors.js';
import type { FlipHost } from '../src/kms/flip-queue.js';
import type { Framebuffer } from '../src/kms/framebuffer.js';
import { planePort } from '../src/kms/plane-port.js';

// A display's link sink turns what its native port failed with into the display's typed errors
// (the link's `done` rejects with them). No device needed: failure() only reads names.
const host = {
  device: { label: 'DRM card1 (virtio_gpu)' },
  connector: 'Virtual-1',
  atomic: true,
  checkFb: () => {},
};
const port = planePort(host as unknown as FlipHost, [{ buffer: {} } as unknown as Framebuffer]);

describe('a display as a link sink: failures', () => {
  it('a flip that never completed (the engine gave up after its limit) is DrmError ETIMEDOUT saying so', () => {
    const e = port.failure(110, 'collect');
    expect(e).toBeInstanceOf(DrmError);
    expect(e).not.toBeInstanceOf(DrmDeviceLostError);
    expect(e).toMatchObject({ code: 'ETIMEDOUT', errno: 110, syscall: 'read' });
    expect(e.message).toMatch(/Virtual-1: a page flip of the link never completed \(none within 5 s\)/);
    expect(e.hint).toMatch(/unplugged/);
  });

  it('a device gone is DrmDeviceLostError; another errno a DrmError with its name', () => {
    expect(port.failure(19, 'collect')).toBeInstanceOf(DrmDeviceLostError);
    expect(port.failure(22, 'submit')).toMatchObject({
      code: 'EINVAL',
      errno: 22,
      syscall: 'ioctl(DRM_IOCTL_MODE_ATOMIC)',
    });
  });
});
