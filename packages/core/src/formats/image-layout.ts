import { DmaBufError, invalidArgument } from '../errors.js';
import { assertObject, assertString, assertUint } from '../validate.js';
import type { PixelFormat } from './table.js';

/** One plane of an image laid out from the table. */
export interface ImagePlane {
  /** Byte offset in the buffer (planes follow each other, as V4L2's single-buffer formats need). */
  offset: number;
  /** Bytes per row. */
  pitch: number;
  /** Rows of this plane (after height alignment and vertical subsampling). */
  rows: number;
  /** pitch × rows. */
  size: number;
  /** The least pitch this plane's pixels need. */
  minPitch: number;
}

/** How to lay an image out: what the devices asked (see Constraints). */
export interface ImageLayoutOptions {
  /** Every plane's pitch is a multiple of this. */
  pitchAlignment?: number;
  /** Plane 0's rows are rounded up to a multiple of this (chroma planes follow by subsampling). */
  heightAlignment?: number;
  /**
   * Exact pitches (index = plane). Planes without one follow plane 0 by the
   * format's ratio, the V4L2 convention (YU12's chroma pitch is half the luma's).
   */
  pitches?: readonly number[];
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** A format of the table (PIXEL_FORMATS / pixelFormat()), else InvalidArgumentError. */
function assertFormat(f: unknown): asserts f is PixelFormat {
  const planes = (f as { planes?: unknown } | null)?.planes;
  if (
    typeof f !== 'object' ||
    f === null ||
    !Array.isArray(planes) ||
    !planes.length ||
    !planes.every((p) => typeof p === 'object' && p !== null && (p as { blockWidth?: unknown }).blockWidth)
  )
    throw invalidArgument('f', "a format of the table (pixelFormat('NV12'))", f);
}

/** Plane `i` of `f`, checked. */
function plane(f: PixelFormat, i: number) {
  assertFormat(f);
  assertUint('i', i, f.planes.length - 1);
  return f.planes[i]!;
}

/** Bytes one row of plane `i` needs for `width` pixels. */
export function planeRowBytes(f: PixelFormat, i: number, width: number): number {
  const p = plane(f, i);
  assertUint('width', width);
  return Math.ceil(width / p.blockWidth) * p.blockBytes;
}

/** Rows of plane `i` for an image of `height` rows. */
export function planeRows(f: PixelFormat, i: number, height: number): number {
  const p = plane(f, i);
  assertUint('height', height);
  return Math.ceil(height / p.vsub);
}

/** Plane i's pitch over plane 0's, as a reduced fraction [num, den] (YU12 chroma: [1, 2]; NV12 CbCr: [1, 1]). */
export function pitchRatio(f: PixelFormat, i: number): [number, number] {
  const p = plane(f, i);
  const p0 = f.planes[0]!;
  const num = p.blockBytes * p0.blockWidth;
  const den = p.blockWidth * p0.blockBytes;
  const g = gcd(num, den);
  return [num / g, den / g];
}

/** Every plane's pitch when plane 0's is `pitch0` (V4L2's convention); undefined where one is not whole. */
export function derivedPitches(f: PixelFormat, pitch0: number): number[] | undefined {
  assertFormat(f);
  assertUint('pitch0', pitch0);
  const out: number[] = [];
  for (let i = 0; i < f.planes.length; i++) {
    const [num, den] = pitchRatio(f, i);
    if ((pitch0 * num) % den !== 0) return undefined;
    out.push((pitch0 * num) / den);
  }
  return out;
}

/**
 * The planes of a `width`×`height` image in format `f`: the least pitches
 * that hold the pixels and meet `options`, then rows × pitch per plane, one
 * plane after the other. Throws (EINVAL, naming `who` and both numbers) when
 * an exact pitch is too small or not aligned as asked.
 */
export function imagePlanes(
  f: PixelFormat,
  width: number,
  height: number,
  options: ImageLayoutOptions,
  who: string,
): ImagePlane[] {
  assertFormat(f);
  assertUint('width', width);
  assertUint('height', height);
  assertObject('options', options);
  assertString('who', who);
  const pa = options.pitchAlignment ?? 1;
  const rows0 = Math.ceil(height / (options.heightAlignment ?? 1)) * (options.heightAlignment ?? 1);
  const n = f.planes.length;
  const minPitch = f.planes.map((_, i) => planeRowBytes(f, i, width));
  const exact0 = options.pitches?.[0];
  let pitches: number[] | undefined;
  if (exact0 !== undefined) {
    pitches = derivedPitches(f, exact0) ?? minPitch.map((m, i) => (i === 0 ? exact0 : m));
  } else {
    // The least plane-0 pitch from which every plane's pitch is whole, aligned and big enough.
    let least = 0;
    for (let i = 0; i < n; i++) {
      const [num, den] = pitchRatio(f, i);
      least = Math.max(least, Math.ceil((minPitch[i]! * den) / num));
    }
    let p0 = Math.ceil(least / pa) * pa;
    for (let tries = 0; tries < 64; tries++, p0 += pa) {
      const d = derivedPitches(f, p0);
      if (d?.every((p, i) => p % pa === 0 && p >= minPitch[i]!)) {
        pitches = d;
        break;
      }
    }
    // No whole ratio (odd alignments): each plane on its own.
    pitches ??= minPitch.map((m) => Math.ceil(m / pa) * pa);
  }
  const planes: ImagePlane[] = [];
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const pitch = options.pitches?.[i] ?? pitches[i]!;
    if (pitch < minPitch[i]!) {
      throw new DmaBufError(
        `${who}: a pitch of ${pitch} bytes is too small for plane ${i} of a ${width}-pixel-wide ${f.fourcc} image (${minPitch[i]} bytes)`,
        {
          code: 'EINVAL',
          hint: 'The device asking for this pitch cannot hold this image; export a narrower one',
        },
      );
    }
    if (pitch % pa !== 0) {
      throw new DmaBufError(
        `${who}: plane ${i} of a ${width}x${height} ${f.fourcc} image was asked a pitch of exactly ${pitch} bytes and pitches aligned to ${pa}`,
        {
          code: 'EINVAL',
          hint: 'The devices asking for these cannot share one buffer; allocate one for each and copy',
        },
      );
    }
    const rows = Math.ceil(rows0 / f.planes[i]!.vsub);
    planes.push({ offset, pitch, rows, size: pitch * rows, minPitch: minPitch[i]! });
    offset += pitch * rows;
  }
  return planes;
}
