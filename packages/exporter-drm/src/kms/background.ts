import type { DrmDevice } from '../device.js';
import { fourccCode } from '../fourcc.js';
import { drmNative } from '../native.js';
import { drmCheck } from '../syscall.js';

/**
 * A black XR24 framebuffer the size of a mode, for the primary plane while
 * the picture is on an overlay (most drivers need the primary plane on).
 * A dumb buffer: the kernel hands it out zeroed, which is black in XR24.
 */
export class BlackBackground {
  readonly width: number;
  readonly height: number;
  readonly fbId: number;
  readonly #device: DrmDevice;
  readonly #handle: number;

  constructor(device: DrmDevice, width: number, height: number) {
    const n = drmNative();
    const dumb = drmCheck(
      n.createDumb(device.fd, width, height, 32),
      'DRM_IOCTL_MODE_CREATE_DUMB',
      device.label,
      `cannot allocate a ${width}x${height} black background`,
    );
    const r = n.addFb2(device.fd, width, height, fourccCode('XR24'), 0, [dumb.handle], [dumb.pitch], [0], []);
    if (r < 0) n.destroyDumb(device.fd, dumb.handle);
    this.fbId = drmCheck(
      r,
      'DRM_IOCTL_MODE_ADDFB2',
      device.label,
      `cannot make a ${width}x${height} XR24 background framebuffer`,
    );
    this.#device = device;
    this.#handle = dumb.handle;
    this.width = width;
    this.height = height;
  }

  remove(): void {
    if (this.#device.closed) return;
    const n = drmNative();
    n.rmFb(this.#device.fd, this.fbId);
    n.destroyDumb(this.#device.fd, this.#handle);
  }
}
