import {
  fourccCode as coreFourccCode,
  derivedPitches,
  fourccChars,
  invalidArgument,
  isBigEndianFourcc,
  type PixelFormat,
  pixelFormat,
  pixelFormatNames,
  planeRowBytes,
  planeRows,
  trimFourcc,
} from '@dmabuf/core';
import { assertCount, assertRecord } from './check.js';

/** A DRM pixel format: core's format table entry (this package keeps no table of its own). */
export type FormatInfo = PixelFormat;

/** The u32 code of a DRM fourcc ('XR24' → 0x34325258). Shorter names are padded with spaces ('R8' → 'R8  '). */
export function fourccCode(fourcc: string): number {
  if (typeof fourcc !== 'string' || fourcc.length < 1 || fourcc.length > 4) {
    throw invalidArgument('format', 'a DRM fourcc of 1 to 4 printable characters (e.g. XR24)', fourcc);
  }
  return coreFourccCode(fourcc);
}

/** The fourcc string of a u32 code, trailing spaces kept ('R8  '); big-endian flag shown as a '|BE' suffix. */
export function fourccName(code: number): string {
  if (typeof code !== 'number' || !Number.isInteger(code) || code < -(2 ** 31) || code > 0xffffffff)
    throw invalidArgument('code', 'a 32-bit fourcc code', code);
  const s = fourccChars(code);
  return isBigEndianFourcc(code) ? `${s}|BE` : s;
}

/** The table's fourcc for a format ('R8  ' → 'R8', 'XRGB8888' → 'XR24'); unknown ones trimmed as given. */
export function normalizeFourcc(format: string): string {
  return pixelFormat(format)?.fourcc ?? trimFourcc(format);
}

/** The format table's entry for a DRM fourcc or name, or undefined. */
export function formatInfo(format: string): FormatInfo | undefined {
  return pixelFormat(format);
}

/** Every format dumb buffers and framebuffers are laid out for: the whole format table. */
export function knownFormats(): string[] {
  return pixelFormatNames();
}

/**
 * How a width×height image of `info` lays out when plane 0 has a row pitch of
 * `pitch0`: per plane, its pitch (plane 0's by the format's ratio: NV12's
 * chroma plane has plane 0's pitch, YU12's half), its rows, and the least
 * pitch its pixels need.
 */
export function planeGeometry(
  info: FormatInfo,
  width: number,
  height: number,
  pitch0: number,
): {
  /** Bytes per row of this plane at plane 0's pitch `pitch0`. */
  pitch: number;
  /** Rows of this plane (height divided by its vertical subsampling, rounded up). */
  rows: number;
  /** The least bytes per row its pixels need at `width` (pitch is never less when pitch0 suffices). */
  minPitch: number;
}[] {
  assertRecord('info', info);
  assertCount('width', width);
  assertCount('height', height);
  assertCount('pitch0', pitch0);
  const pitches = derivedPitches(info, pitch0);
  return info.planes.map((_, i) => ({
    pitch: pitches?.[i] ?? (i === 0 ? pitch0 : planeRowBytes(info, i, width)),
    rows: planeRows(info, i, height),
    minPitch: planeRowBytes(info, i, width),
  }));
}
