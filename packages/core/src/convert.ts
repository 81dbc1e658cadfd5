import { DmaBufError, invalidArgument } from './errors.js';
import { native } from './native.js';
import { assertObject, assertOneOf, assertUint } from './validate.js';

/** The formats convertToXrgb reads (V4L2 and DRM share these fourccs). */
export const CONVERT_FORMATS = ['YUYV', 'UYVY', 'NV12', 'YU12'] as const;
/** A source format `convertToXrgb` converts from (one of CONVERT_FORMATS). */
export type ConvertFormat = (typeof CONVERT_FORMATS)[number];

const CODE: Record<ConvertFormat, number> = { YUYV: 0, UYVY: 1, NV12: 2, YU12: 3 };

/** A source picture: its format, size and, where they differ from the tight layout, its planes' pitches and offsets. */
export interface ConvertSource {
  /** The source's pixel format (DRM fourcc): one convertToXrgb can read. */
  format: ConvertFormat;
  /** Pixels per row of the image. */
  width: number;
  /** Rows of the image. */
  height: number;
  /** Bytes per row of each plane (default: the tight layout). */
  pitches?: readonly number[];
  /** Byte offset of each plane in the source bytes (default: planes one after another). */
  offsets?: readonly number[];
}

/** The tight layout of a source picture: per plane its pitch, offset and size in bytes. */
export function convertLayout(source: Omit<ConvertSource, 'offsets'> & { offsets?: readonly number[] }): {
  /** Bytes per row of each plane. */
  pitches: number[];
  /** Byte offset of each plane in the source bytes. */
  offsets: number[];
  /** Bytes the source needs: the end of its last plane. */
  size: number;
} {
  assertObject('source', source);
  const { format, width: w, height: h } = source;
  assertOneOf('source.format', format, CONVERT_FORMATS);
  assertUint('source.width', w);
  assertUint('source.height', h);
  for (const key of ['pitches', 'offsets'] as const) {
    const v = source[key];
    if (v !== undefined && (!Array.isArray(v) || !v.every((n) => Number.isSafeInteger(n) && n >= 0)))
      throw invalidArgument(`source.${key}`, 'an array of byte counts (integers >= 0)', v);
  }
  const cw = Math.ceil(w / 2);
  const ch = Math.ceil(h / 2);
  const tight =
    format === 'YUYV' || format === 'UYVY' ? [cw * 4] : format === 'NV12' ? [w, cw * 2] : [w, cw, cw];
  const pitches = tight.map((t, i) => source.pitches?.[i] ?? t);
  const rows = format === 'YUYV' || format === 'UYVY' ? [h] : format === 'NV12' ? [h, ch] : [h, ch, ch];
  const offsets: number[] = [];
  let at = 0;
  pitches.forEach((p, i) => {
    offsets.push(source.offsets?.[i] ?? at);
    at = offsets[i]! + p * rows[i]!;
  });
  return { pitches, offsets, size: at };
}

/**
 * Convert a YUYV, UYVY, NV12 or YU12 (I420) picture to XR24 (XRGB8888,
 * little-endian bytes B, G, R, X), BT.601 limited range — what a display
 * that cannot scan out a camera's format needs. Runs in native code, one
 * pass, on the calling thread (≈ as fast as a memcpy-bound loop: no per-pixel
 * JavaScript). `dstPitch` defaults to width × 4. Typed errors for a format it
 * does not read, or a source or destination smaller than the layout needs.
 */
export function convertToXrgb(
  src: Uint8Array,
  source: ConvertSource,
  dst: Uint8Array,
  dstPitch?: number,
): void {
  const args = convertArgs(src, source, dst, dstPitch);
  settle(native().convertToXrgb(...args), source);
}

/**
 * convertToXrgb on a libuv pool thread: the JS thread is free while the
 * picture converts (a camera loop keeps dequeuing and flipping). Checks as
 * convertToXrgb does, before anything runs. Keep both arrays' memory alive
 * — for CPU-access views of dma-bufs, the scopes open — until the Promise
 * settles: the native side holds the arrays, not the mappings behind them.
 */
export async function convertToXrgbAsync(
  src: Uint8Array,
  source: ConvertSource,
  dst: Uint8Array,
  dstPitch?: number,
): Promise<void> {
  const args = convertArgs(src, source, dst, dstPitch);
  settle(await native().convertToXrgbAsync(...args), source);
}

function settle(r: number, source: ConvertSource): void {
  if (r < 0) {
    throw new DmaBufError(
      `convert: the native routine refused a ${source.width}x${source.height} ${source.format} picture (EINVAL)`,
      { code: 'EINVAL', hint: 'Check the pitches and offsets against the buffer sizes' },
    );
  }
}

/** Check a conversion's arguments (typed errors) and give the native routine's. */
function convertArgs(
  src: Uint8Array,
  source: ConvertSource,
  dst: Uint8Array,
  pitch: number | undefined,
): [Uint8Array, number, number, number, number[], number[], Uint8Array, number] {
  if (!(src instanceof Uint8Array)) throw invalidArgument('src', 'a Uint8Array', src);
  if (!(dst instanceof Uint8Array)) throw invalidArgument('dst', 'a Uint8Array', dst);
  if (typeof source !== 'object' || source === null)
    throw invalidArgument('source', '{ format, width, height, pitches?, offsets? }', source);
  if (!CONVERT_FORMATS.includes(source.format))
    throw invalidArgument('source.format', `one of ${CONVERT_FORMATS.join(', ')}`, source.format);
  for (const k of ['width', 'height'] as const) {
    const v = source[k];
    if (!Number.isInteger(v) || v < 1 || v > 16384)
      throw invalidArgument(`source.${k}`, 'an integer between 1 and 16384', v);
  }
  for (const k of ['pitches', 'offsets'] as const) {
    const list = source[k];
    if (
      list !== undefined &&
      (!Array.isArray(list) || list.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff))
    )
      throw invalidArgument(`source.${k}`, 'an array of byte counts (integers ≥ 0)', list);
  }
  const { width: w, height: h, format } = source;
  const dstPitch = pitch ?? w * 4;
  if (!Number.isInteger(dstPitch) || dstPitch < w * 4 || dstPitch % 4 !== 0)
    throw invalidArgument('dstPitch', `a multiple of 4 of at least ${w * 4} (width × 4)`, dstPitch);
  const layout = convertLayout(source);
  if (layout.size > src.byteLength) {
    throw new DmaBufError(
      `convert: a ${w}x${h} ${format} picture (pitches ${layout.pitches.join('/')}, offsets ${layout.offsets.join('/')}) needs ${layout.size} bytes, the source has ${src.byteLength}`,
      {
        code: 'EINVAL',
        hint: 'Pass the pitches and offsets the camera reported (bytesperline, plane offsets), or a bigger source',
      },
    );
  }
  const need = dstPitch * (h - 1) + w * 4;
  if (need > dst.byteLength) {
    throw new DmaBufError(
      `convert: ${w}x${h} XR24 with a pitch of ${dstPitch} needs ${need} bytes, the destination has ${dst.byteLength}`,
      { code: 'EINVAL', hint: 'Allocate the destination as width × 4 bytes per row (or its pitch) × height' },
    );
  }
  if (format === 'YU12' && layout.pitches[1] !== layout.pitches[2])
    throw invalidArgument('source.pitches', 'the same pitch for the U and V planes of YU12', layout.pitches);
  return [src, CODE[format], w, h, layout.pitches, layout.offsets, dst, dstPitch];
}
