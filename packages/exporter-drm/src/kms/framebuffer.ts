import { type DmaBuf, ERRNO, invalidArgument, modifierList } from '@dmabuf/core';
import { assertBuffer, assertDevice, assertRecord } from '../check.js';
import { DRM_MODE_FB_MODIFIERS } from '../constants.js';
import type { DrmDevice } from '../device.js';
import { DrmError, linkRuns, UnsupportedFormatError } from '../errors.js';
import { formatInfo, fourccCode, knownFormats, normalizeFourcc, planeGeometry } from '../fourcc.js';
import { type GemImport, importBuffer } from '../importer.js';
import { drmNative } from '../native.js';
import { drmCheck } from '../syscall.js';

/** Geometry of a framebuffer, when the buffer's layout does not say (a received fd) or to override it. */
export interface FramebufferOptions {
  /** Pixels; default: the buffer layout's width (required for a received fd without one). */
  width?: number;
  /** Rows; default: the buffer layout's height. */
  height?: number;
  /** A DRM fourcc ('XR24', 'NV12'); default: the buffer layout's format. */
  format?: string;
  /** DRM format modifier; default the buffer's (LINEAR). */
  modifier?: bigint;
  /** Bytes per row of each plane. */
  pitches?: number[];
  /** Byte offset of each plane in the buffer. */
  offsets?: number[];
}

/** What a plane takes: formats, and the modifiers per format when the driver says (IN_FORMATS). */
export interface AcceptedFormats {
  /** DRM fourccs it takes. */
  formats: readonly string[];
  /**
   * Per format, the modifiers it takes (from IN_FORMATS); undefined when the driver does not say (LINEAR is
   * assumed).
   */
  modifiers?: ReadonlyMap<string, readonly bigint[]>;
  /** Who takes them, for messages: 'plane 31 of DRM card1 (virtio_gpu)'. */
  label: string;
}

/** Framebuffers on screen right now (set by Display): refused by remove(). */
export const onScreen = new WeakSet<Framebuffer>();

/**
 * A KMS framebuffer (ADDFB2) over an imported buffer. Holds a reference to
 * the buffer and its GEM import until removed.
 */
export class Framebuffer implements Disposable {
  /** The framebuffer's KMS object id (what planes and CRTCs are given). */
  readonly id: number;
  /** The device it was added on. */
  readonly device: DrmDevice;
  /** The buffer it shows (a reference is held until remove()). */
  readonly buffer: DmaBuf;
  /** Its width in pixels. */
  readonly width: number;
  /** Its height in rows. */
  readonly height: number;
  /** Its DRM fourcc, e.g. 'XR24'. */
  readonly format: string;
  /** Its format modifier (0n: LINEAR). */
  readonly modifier: bigint;
  /** The buffer's GEM handle on the device. */
  readonly handle: number;
  readonly #import: GemImport;
  #removed = false;

  /** @internal use createFramebuffer() or display.framebuffer() */
  constructor(
    id: number,
    imp: GemImport,
    geo: { width: number; height: number; format: string; modifier: bigint },
  ) {
    this.id = id;
    this.#import = imp;
    this.device = imp.device;
    this.buffer = imp.buffer;
    this.handle = imp.handle;
    this.width = geo.width;
    this.height = geo.height;
    this.format = geo.format;
    this.modifier = geo.modifier;
  }

  /** True once remove() has run (RMFB): it can no longer be shown. */
  get removed(): boolean {
    return this.#removed;
  }

  /** 'framebuffer 42 (1280x800 XR24)': how messages name it. */
  get label(): string {
    return `framebuffer ${this.id} (${this.width}x${this.height} ${this.format})`;
  }

  /** Throw (EBADF) if removed. */
  assertLive(): void {
    if (this.#removed) {
      throw new DrmError(this.device.label, `${this.label} was already removed`, {
        code: 'EBADF',
        hint: 'Create a new framebuffer for the buffer',
      });
    }
  }

  /** RMFB, release the GEM import and the buffer reference. Refused (EBUSY) while on screen. */
  remove(): void {
    if (this.#removed) return;
    if (onScreen.has(this)) {
      throw new DrmError(this.device.label, `${this.label} is on screen`, {
        code: 'EBUSY',
        hint: 'Show another framebuffer first, or close the display (which restores the screen)',
      });
    }
    this.#removed = true;
    try {
      // on a device that is gone (ENODEV) the framebuffer went with it: nothing to remove
      const r = this.device.closed ? 0 : drmNative().rmFb(this.device.fd, this.id);
      if (r !== -ERRNO.ENODEV)
        drmCheck(r, 'DRM_IOCTL_MODE_RMFB', this.device.label, `cannot remove ${this.label}`);
    } finally {
      try {
        this.#import.release();
      } finally {
        if (!this.buffer.released) this.buffer.put();
      }
    }
  }

  /** `using`: remove() when the scope ends. */
  [Symbol.dispose](): void {
    this.remove();
  }
}

/**
 * Make a framebuffer of a buffer on a device: checks format, modifier and
 * that the buffer holds pitch × height for every plane before any ioctl,
 * then imports the buffer (ImportRefusedError when the driver will not) and
 * calls ADDFB2.
 */
export function createFramebuffer(
  device: DrmDevice,
  buf: DmaBuf,
  options: FramebufferOptions = {},
  accepted?: AcceptedFormats,
): Framebuffer {
  assertDevice('device', device);
  assertBuffer('buf', buf);
  assertRecord('options', options);
  const dev = device.label;
  if (!device.caps.kms) {
    throw new DrmError(dev, 'has no modesetting (KMS), so no framebuffers', {
      code: 'EOPNOTSUPP',
      hint: 'Use a display device: findDrmDevice({ display: true })',
    });
  }
  const layout = buf.layout;
  const width = options.width ?? layout.width;
  const height = options.height ?? layout.height;
  const format = options.format ?? layout.format;
  if (width === undefined || height === undefined || format === undefined) {
    throw invalidArgument(
      'options',
      `width, height and format (${buf.label} has no image layout)`,
      options,
      'Pass { width, height, format, pitches } for a buffer received without its layout',
    );
  }
  for (const [k, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1 || v > 16384)
      throw invalidArgument(k, 'an integer between 1 and 16384', v);
  }
  const info = formatInfo(format);
  const fourcc = info ? info.fourcc.trimEnd() : normalizeFourcc(format).trimEnd();
  if (!info) {
    throw new UnsupportedFormatError(
      dev,
      `cannot check the layout of format '${format}'`,
      format,
      undefined,
      `Use one of ${knownFormats().join(', ')}`,
    );
  }
  if (accepted && !accepted.formats.includes(fourcc)) {
    throw new UnsupportedFormatError(
      dev,
      `${accepted.label} does not take format ${fourcc}`,
      fourcc,
      undefined,
      `It takes: ${accepted.formats.join(', ')}`,
    );
  }
  const modifier = options.modifier ?? layout.modifier ?? 0n;
  // IN_FORMATS lists per format the modifiers the plane scans out (LINEAR included or not);
  // a plane without it scans out LINEAR only.
  const mods = accepted ? (accepted.modifiers?.get(fourcc) ?? [0n]) : undefined;
  if (mods && !mods.includes(modifier)) {
    throw new UnsupportedFormatError(
      dev,
      `${accepted!.label} takes ${fourcc} with modifiers ${modifierList(mods)}, ${buf.label} has ${modifierList([modifier])}`,
      fourcc,
      modifier,
      'Allocate the buffer with one of the modifiers the plane lists (IN_FORMATS), or use another plane',
    );
  }
  if (modifier !== 0n && !device.caps.addFb2Modifiers) {
    throw new UnsupportedFormatError(
      dev,
      `takes no format modifiers (asked 0x${modifier.toString(16)} for ${fourcc})`,
      fourcc,
      modifier,
      'Use a LINEAR buffer (modifier 0)',
    );
  }
  const pitch0 = options.pitches?.[0] ?? layout.planes[0]?.pitch ?? 0;
  const geo = planeGeometry(info, width, height, pitch0);
  const pitches = geo.map((g, i) => options.pitches?.[i] ?? layout.planes[i]?.pitch ?? g.pitch);
  const offsets = geo.map(
    (_, i) => options.offsets?.[i] ?? layout.planes[i]?.offset ?? offsetAfter(pitches, geo, i),
  );
  geo.forEach((g, i) => {
    const pitch = pitches[i]!;
    if (!Number.isSafeInteger(pitch) || pitch < g.minPitch) {
      throw new DrmError(
        dev,
        `plane ${i} of a ${width}x${height} ${fourcc} framebuffer needs a pitch of at least ${g.minPitch} bytes, ${buf.label} has ${pitch}`,
        {
          code: 'EINVAL',
          hint: 'Allocate the buffer with width × bytes-per-pixel per row at least',
        },
      );
    }
    const need = offsets[i]! + pitch * g.rows;
    if (need > layout.size) {
      throw new DrmError(
        dev,
        `a ${width}x${height} ${fourcc} framebuffer needs ${need} bytes (plane ${i}: offset ${offsets[i]} + pitch ${pitch} × ${g.rows} rows), ${buf.label} has ${layout.size}`,
        {
          code: 'EINVAL',
          hint: 'Allocate a bigger buffer or make a smaller framebuffer',
        },
      );
    }
  });
  const imp = importBuffer(device, buf);
  let id: number;
  try {
    const withMods = device.caps.addFb2Modifiers;
    id = drmCheck(
      drmNative().addFb2(
        device.fd,
        width,
        height,
        fourccCode(info.fourcc),
        withMods ? DRM_MODE_FB_MODIFIERS : 0,
        geo.map(() => imp.handle),
        pitches,
        offsets,
        withMods ? geo.map(() => modifier) : [],
      ),
      'DRM_IOCTL_MODE_ADDFB2',
      dev,
      `cannot add a ${width}x${height} ${fourcc} framebuffer (pitches ${pitches.join('/')}, modifier 0x${modifier.toString(16)}) for ${buf.label}`,
      // EINVAL from the core's checks, ENOENT from drivers that scan out a few formats only (virtio-gpu)
      (e) =>
        e === ERRNO.EINVAL || e === ERRNO.ENOENT
          ? `The driver does not scan out ${fourcc} with this modifier: use a format and modifier one of its planes lists (readKms(device).planes, display.formats)`
          : undefined,
    );
  } catch (e) {
    imp.release();
    throw e;
  }
  buf.get();
  return new Framebuffer(id, imp, { width, height, format: fourcc, modifier });
}

function offsetAfter(pitches: number[], geo: { rows: number }[], i: number): number {
  let off = 0;
  for (let k = 0; k < i; k++) off += pitches[k]! * geo[k]!.rows;
  return off;
}

/** Throw (typed) unless `fb` is a live Framebuffer made on `device`. */
export function checkFramebufferOf(device: DrmDevice, fb: Framebuffer): void {
  if (!fb || typeof fb !== 'object' || typeof fb.assertLive !== 'function') {
    throw new DrmError(device.label, 'show/flip takes a Framebuffer', {
      code: 'EINVAL',
      hint: 'Make one with display.framebuffer(buf)',
    });
  }
  fb.assertLive();
  const link = device.events.pausedBy;
  if (link) throw linkRuns(device.label, link);
  if (fb.device !== device) {
    throw new DrmError(device.label, `${fb.label} belongs to ${fb.device.label}`, {
      code: 'EINVAL',
      hint: "Make the framebuffer on the display's device",
    });
  }
}
