import { DmaBufError, type DmaBufErrorOptions, ERRNO, errnoName, LinkHeldError } from '@dmabuf/core';

/** Any value as text for a message (an error must not throw while being built). */
function show(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** A failure on a DRM device; `device` names it as messages do ('DRM card1 (virtio_gpu)'). */
export class DrmError extends DmaBufError {
  /** The device as messages name it, e.g. 'DRM card1 (virtio_gpu)'. */
  readonly device: string;

  constructor(device: string, message: string, options: DmaBufErrorOptions) {
    super(`${show(device)}: ${show(message)}`, options);
    this.device = show(device);
  }
}

/**
 * A DRM device refused to import a dma-buf (PRIME FD_TO_HANDLE failed).
 * virtio-gpu refuses every foreign buffer with ENODEV: catch this and fall
 * back to a copy into a buffer the device allocated itself.
 */
export class ImportRefusedError extends DrmError {
  /** The importing device's driver, e.g. 'virtio_gpu'. */
  readonly driver: string;
  /** The buffer's exporter (exp_name), e.g. 'udmabuf'. */
  readonly exporter: string;

  constructor(device: string, driver: string, exporter: string, buffer: string, errno: number) {
    super(
      device,
      `driver ${show(driver)} refused to import ${show(buffer)} exported by ${show(exporter)} (PRIME FD_TO_HANDLE: ${errnoName(errno)})`,
      {
        code: errnoName(errno),
        errno,
        syscall: 'ioctl(DRM_IOCTL_PRIME_FD_TO_HANDLE)',
        hint:
          errno === ERRNO.ENODEV
            ? `${show(driver)} cannot use memory it did not allocate; allocate the buffer on this device (exporter-drm) and let the other side import it, or copy into such a buffer`
            : 'Check that the buffer is a live dma-buf and that the device supports PRIME import',
      },
    );
    this.driver = show(driver);
    this.exporter = show(exporter);
  }
}

/**
 * The DRM device is gone (unplugged, its driver unbound): the kernel answers
 * every ioctl on its fd with ENODEV. A show()/flip() or a link into the
 * display ends with this error; closing what was made on the device still
 * works (there is no screen left to restore). `device` names it.
 */
export class DrmDeviceLostError extends DrmError {
  constructor(device: string, message: string, syscall: string, cause?: unknown) {
    super(device, `${show(message)}: the device is gone (unplugged or its driver unbound)`, {
      code: 'ENODEV',
      errno: ERRNO.ENODEV,
      syscall: show(syscall),
      hint: 'Close the display and the device, and open them again once the device is back (findDrmDevice())',
      cause,
    });
  }
}

/** No connected display on the device (or not the connector asked for). */
export class NoDisplayError extends DrmError {}

/** A format or modifier the device (or its primary plane) does not take. */
export class UnsupportedFormatError extends DrmError {
  /** The format refused, as asked (a DRM fourcc such as 'NV12'). */
  readonly format: string;
  /** The modifier refused; undefined when the format itself is the problem. */
  readonly modifier: bigint | undefined;

  constructor(device: string, message: string, format: string, modifier: bigint | undefined, hint: string) {
    super(device, message, { code: 'EINVAL', hint });
    this.format = show(format);
    this.modifier = typeof modifier === 'bigint' ? modifier : undefined;
  }
}

/** A link runs the display's page flips: show()/flip() are refused meanwhile. */
export function linkRuns(device: string, link: string): LinkHeldError {
  return new LinkHeldError(`${device}: ${link} runs this display's page flips`, {
    code: 'EBUSY',
    hint: 'Stop the link first (await link.stop())',
  });
}
