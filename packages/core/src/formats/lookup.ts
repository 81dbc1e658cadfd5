import { invalidArgument } from '../errors.js';
import { assertObject, assertString } from '../validate.js';
import { PixelFormatError } from './errors.js';
import { trimFourcc } from './fourcc.js';
import { PIXEL_FORMATS, type PixelFormat } from './table.js';

const BY_FOURCC = new Map(PIXEL_FORMATS.map((f) => [f.fourcc, f]));
const BY_NAME = new Map(PIXEL_FORMATS.map((f) => [f.name, f]));

/** A V4L2 pixel format as the table knows it: its DRM twin and how many buffers (memory planes) it takes. */
export interface V4l2FormatInfo {
  /** The V4L2 fourcc asked about. */
  readonly v4l2: string;
  /** The format table's entry: its DRM fourcc, planes and subsampling. */
  readonly format: PixelFormat;
  /** 1 for single-buffer formats; one per plane for the multi-planar variants ('NM12': 2). */
  readonly memoryPlanes: number;
}

const BY_V4L2 = new Map<string, V4l2FormatInfo>();
for (const format of PIXEL_FORMATS) {
  for (const v4l2 of format.v4l2) BY_V4L2.set(v4l2, { v4l2, format, memoryPlanes: 1 });
  if (format.v4l2Mplane) {
    const v4l2 = format.v4l2Mplane;
    BY_V4L2.set(v4l2, { v4l2, format, memoryPlanes: format.planes.length });
  }
}

/**
 * A format of the table by DRM fourcc ('NV12', 'R8' or 'R8  ') or by its
 * drm_fourcc.h name ('XRGB8888'); undefined when the table has none.
 */
export function pixelFormat(format: string): PixelFormat | undefined {
  if (typeof format !== 'string') return undefined;
  return BY_FOURCC.get(trimFourcc(format)) ?? BY_NAME.get(format);
}

/** Every DRM fourcc of the table. */
export function pixelFormatNames(): string[] {
  return PIXEL_FORMATS.map((f) => f.fourcc);
}

/**
 * A format of the table, or a PixelFormatError naming what was asked and
 * what `who` can lay out (default: the whole table; pass `available` to narrow).
 */
export function requirePixelFormat(format: string, who: string, available?: readonly string[]): PixelFormat {
  if (typeof format !== 'string') throw invalidArgument('format', "a fourcc string (e.g. 'NV12')", format);
  assertString('who', who);
  if (available !== undefined && (!Array.isArray(available) || available.some((a) => typeof a !== 'string')))
    throw invalidArgument('available', 'an array of fourcc strings', available);
  const f = pixelFormat(format);
  const offered = available ?? pixelFormatNames();
  if (!f || !offered.includes(f.fourcc)) {
    throw new PixelFormatError(
      `${who} cannot lay out format '${String(format)}'`,
      { format: String(format), available: offered },
      `Use one of ${offered.join(', ')}`,
    );
  }
  return f;
}

/** What the table knows of a V4L2 fourcc ('NV12', 'NM12', 'RGB3', 'GREY', trailing spaces ignored), or undefined. */
export function v4l2Format(v4l2: string): V4l2FormatInfo | undefined {
  return typeof v4l2 === 'string' ? BY_V4L2.get(trimFourcc(v4l2)) : undefined;
}

/** The DRM fourcc with the same memory layout as a V4L2 fourcc ('RGB3' → 'BG24', 'NM12' → 'NV12'), or undefined. */
export function drmFourccOfV4l2(v4l2: string): string | undefined {
  return v4l2Format(v4l2)?.format.fourcc;
}

/**
 * The V4L2 fourccs with a DRM format's memory layout: the single-buffer ones
 * first (aliases left out), then the multi-planar variant when `mplane` is set.
 */
export function v4l2FourccsOf(drm: string, options: { mplane?: boolean } = {}): string[] {
  assertObject('options', options);
  const f = pixelFormat(drm);
  if (!f) return [];
  const out = f.v4l2.slice(0, 1);
  if (options.mplane && f.v4l2Mplane) out.push(f.v4l2Mplane);
  return out;
}
