import { invalidArgument } from '../errors.js';
import { assertString } from '../validate.js';

/** Bit 31 of a fourcc code: DRM_FORMAT_BIG_ENDIAN, and V4L2's v4l2_fourcc_be(). */
export const FOURCC_BIG_ENDIAN = 0x80000000;

const PRINTABLE = /^[\x20-\x7e]{1,4}$/;

/**
 * The u32 code of a fourcc ('XR24' → 0x34325258), the same encoding for DRM
 * (drm_fourcc.h fourcc_code) and V4L2 (v4l2_fourcc). Shorter names are padded
 * with spaces ('R8' → 'R8  ').
 */
export function fourccCode(fourcc: string): number {
  if (typeof fourcc !== 'string' || !PRINTABLE.test(fourcc)) {
    throw invalidArgument('format', 'a fourcc of 1 to 4 printable characters (e.g. XR24, NV12)', fourcc);
  }
  const s = fourcc.padEnd(4, ' ');
  return (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0;
}

/** The four characters of a code, big-endian flag left out, trailing spaces kept ('R8  '). */
export function fourccChars(code: number): string {
  if (typeof code !== 'number' || !Number.isInteger(code) || code < -(2 ** 31) || code > 0xffffffff)
    throw invalidArgument('code', 'a 32-bit fourcc code', code);
  const c = code >>> 0;
  return String.fromCharCode(c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, (c >>> 24) & 0x7f);
}

/** Whether a code carries the big-endian flag. */
export function isBigEndianFourcc(code: number): boolean {
  return typeof code === 'number' && ((code >>> 0) & FOURCC_BIG_ENDIAN) !== 0;
}

/** How the table keys a fourcc: trailing spaces trimmed ('R8  ' → 'R8'). */
export function trimFourcc(fourcc: string): string {
  assertString('fourcc', fourcc);
  return fourcc.replace(/ +$/, '');
}
