import {
  assertString,
  assertUint,
  derivedPitches,
  drmFourccOfV4l2,
  invalidArgument,
  type PlaneLayout,
  pitchRatio,
  planeRows,
  v4l2Format,
  v4l2FourccsOf,
} from '@dmabuf/core';
import { assertU32 } from './check-args.js';

const BE_FLAG = 0x80000000;

/** A V4L2 fourcc code from its 4-character name ('YUYV' → 0x56595559); '-BE' sets the big-endian flag. */
export function fourcc(name: string): number {
  assertString('name', name);
  const be = name.endsWith('-BE');
  const base = be ? name.slice(0, -3) : name;
  if (typeof base !== 'string' || base.length !== 4 || !/^[\x20-\x7e]{4}$/.test(base)) {
    throw invalidArgument(
      'pixelformat',
      'a fourcc of 4 printable ASCII characters (e.g. YUYV, NV12, XR24)',
      name,
    );
  }
  const n =
    base.charCodeAt(0) | (base.charCodeAt(1) << 8) | (base.charCodeAt(2) << 16) | (base.charCodeAt(3) << 24);
  return (be ? n | BE_FLAG : n) >>> 0;
}

/** The 4-character name of a fourcc code (trailing '-BE' for the big-endian flag). */
export function fourccName(code: number): string {
  assertU32('code', code);
  const c = code >>> 0;
  const be = (c & BE_FLAG) !== 0;
  const v = be ? c & ~BE_FLAG : c;
  const s = String.fromCharCode(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  return be ? `${s}-BE` : s;
}

/** One colour plane of a pixel format, relative to the first plane's line and height. */
export interface ColourPlane {
  /** Bytes per line of this plane = bytesperline(plane 0) × num / den. */
  pitchNum: number;
  /** The denominator of that ratio (e.g. 2 for the chroma planes of YUV420). */
  pitchDen: number;
  /** Lines = height / heightDiv. */
  heightDiv: number;
}

/** What core's format table says of a V4L2 pixel format: its DRM twin and how its colour planes lie. */
export interface PixelFormatInfo {
  /** V4L2 fourcc name. */
  v4l2: string;
  /** The DRM fourcc with the same memory layout ('XR24', 'NV12', 'R8'...). */
  drm: string;
  /** Colour planes, in memory order. */
  planes: readonly ColourPlane[];
  /** Memory planes (buffers) the multi-planar API uses: 1, or one per colour plane for the 'M' formats. */
  memoryPlanes: number;
}

/** What this package knows of a V4L2 pixel format (from core's format table), or undefined. */
export function pixelFormatInfo(v4l2Name: string): PixelFormatInfo | undefined {
  const v = v4l2Format(v4l2Name);
  if (!v) return undefined;
  const f = v.format;
  return {
    v4l2: v.v4l2,
    drm: f.fourcc,
    planes: f.planes.map((p, i) => {
      const [pitchNum, pitchDen] = pitchRatio(f, i);
      return { pitchNum, pitchDen, heightDiv: p.vsub };
    }),
    memoryPlanes: v.memoryPlanes,
  };
}

/** The DRM fourcc with the same memory layout as a V4L2 pixel format ('RGB3' → 'BG24'), or undefined. */
export function drmFormatOf(v4l2Name: string): string | undefined {
  return drmFourccOfV4l2(v4l2Name);
}

/** V4L2 pixel formats (single-buffer ones) that share a DRM fourcc's memory layout. */
export function v4l2FormatsOf(drm: string): string[] {
  return v4l2FourccsOf(drm);
}

/**
 * Where each colour plane lies inside one memory plane of `bytesperline` ×
 * `height`: offset, pitch and size. Formats the table does not know, and the
 * one-buffer-per-plane variants, are one plane of `sizeimage` bytes.
 */
export function colourPlanes(
  v4l2Name: string,
  height: number,
  bytesperline: number,
  sizeimage: number,
): PlaneLayout[] {
  assertString('v4l2Name', v4l2Name);
  assertUint('height', height);
  assertUint('bytesperline', bytesperline);
  assertUint('sizeimage', sizeimage);
  const v = v4l2Format(v4l2Name);
  const pitches = v?.memoryPlanes === 1 ? derivedPitches(v.format, bytesperline) : undefined;
  if (!v || !pitches) return [{ offset: 0, pitch: bytesperline, size: sizeimage }];
  const out: PlaneLayout[] = [];
  let offset = 0;
  for (const [i, pitch] of pitches.entries()) {
    const size = pitch * planeRows(v.format, i, height);
    out.push({ offset, pitch, size });
    offset += size;
  }
  return out;
}
