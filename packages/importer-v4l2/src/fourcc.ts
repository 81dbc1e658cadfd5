import { invalidArgument } from '@dmabuf/core';

const BE_FLAG = 0x80000000;

/** A V4L2 fourcc code from its 4-character name ('YUYV' → 0x56595559); '-BE' sets the big-endian flag. */
export function fourcc(name: string): number {
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
  const c = code >>> 0;
  const be = (c & BE_FLAG) !== 0;
  const v = be ? c & ~BE_FLAG : c;
  const s = String.fromCharCode(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  return be ? `${s}-BE` : s;
}

/** One colour plane of a pixel format, relative to the first plane's line and height. */
interface ColourPlane {
  /** Bytes per line of this plane = bytesperline(plane 0) × num / den. */
  pitchNum: number;
  pitchDen: number;
  /** Lines = height / heightDiv. */
  heightDiv: number;
}

/** What this package knows of a V4L2 pixel format: its DRM twin and how its colour planes lie. */
export interface PixelFormatInfo {
  /** V4L2 fourcc name. */
  v4l2: string;
  /** The DRM fourcc with the same memory layout ('XR24', 'NV12', 'R8  '...). */
  drm: string;
  /** Colour planes, in memory order. */
  planes: readonly ColourPlane[];
  /** Memory planes (buffers) the multi-planar API uses: 1, or one per colour plane for the 'M' formats. */
  memoryPlanes: number;
}

const P1: ColourPlane = { pitchNum: 1, pitchDen: 1, heightDiv: 1 };
const semi420: ColourPlane[] = [P1, { pitchNum: 1, pitchDen: 1, heightDiv: 2 }];
const semi422: ColourPlane[] = [P1, { pitchNum: 1, pitchDen: 1, heightDiv: 1 }];
const planar420: ColourPlane[] = [
  P1,
  { pitchNum: 1, pitchDen: 2, heightDiv: 2 },
  { pitchNum: 1, pitchDen: 2, heightDiv: 2 },
];
const planar422: ColourPlane[] = [
  P1,
  { pitchNum: 1, pitchDen: 2, heightDiv: 1 },
  { pitchNum: 1, pitchDen: 2, heightDiv: 1 },
];

const TABLE: PixelFormatInfo[] = [
  // packed YUV
  { v4l2: 'YUYV', drm: 'YUYV', planes: [P1], memoryPlanes: 1 },
  { v4l2: 'YVYU', drm: 'YVYU', planes: [P1], memoryPlanes: 1 },
  { v4l2: 'UYVY', drm: 'UYVY', planes: [P1], memoryPlanes: 1 },
  { v4l2: 'VYUY', drm: 'VYUY', planes: [P1], memoryPlanes: 1 },
  // RGB: V4L2 names the memory byte order, DRM the little-endian word
  { v4l2: 'XR24', drm: 'XR24', planes: [P1], memoryPlanes: 1 }, // B G R X
  { v4l2: 'AR24', drm: 'AR24', planes: [P1], memoryPlanes: 1 }, // B G R A
  { v4l2: 'BGR4', drm: 'XR24', planes: [P1], memoryPlanes: 1 }, // deprecated alias of XR24
  { v4l2: 'BX24', drm: 'BX24', planes: [P1], memoryPlanes: 1 }, // X R G B
  { v4l2: 'BA24', drm: 'BA24', planes: [P1], memoryPlanes: 1 }, // A R G B
  { v4l2: 'XB24', drm: 'XB24', planes: [P1], memoryPlanes: 1 }, // R G B X
  { v4l2: 'AB24', drm: 'AB24', planes: [P1], memoryPlanes: 1 }, // R G B A
  { v4l2: 'RX24', drm: 'RX24', planes: [P1], memoryPlanes: 1 }, // X B G R
  { v4l2: 'RGBP', drm: 'RG16', planes: [P1], memoryPlanes: 1 }, // RGB565 little-endian
  { v4l2: 'RGB3', drm: 'BG24', planes: [P1], memoryPlanes: 1 }, // R G B
  { v4l2: 'BGR3', drm: 'RG24', planes: [P1], memoryPlanes: 1 }, // B G R
  { v4l2: 'GREY', drm: 'R8  ', planes: [P1], memoryPlanes: 1 },
  // semi-planar and planar YUV, one buffer
  { v4l2: 'NV12', drm: 'NV12', planes: semi420, memoryPlanes: 1 },
  { v4l2: 'NV21', drm: 'NV21', planes: semi420, memoryPlanes: 1 },
  { v4l2: 'NV16', drm: 'NV16', planes: semi422, memoryPlanes: 1 },
  { v4l2: 'NV61', drm: 'NV61', planes: semi422, memoryPlanes: 1 },
  { v4l2: 'YU12', drm: 'YU12', planes: planar420, memoryPlanes: 1 },
  { v4l2: 'YV12', drm: 'YV12', planes: planar420, memoryPlanes: 1 },
  { v4l2: '422P', drm: 'YU16', planes: planar422, memoryPlanes: 1 },
  // the same, one buffer per plane (multi-planar API only)
  { v4l2: 'NM12', drm: 'NV12', planes: semi420, memoryPlanes: 2 },
  { v4l2: 'NM21', drm: 'NV21', planes: semi420, memoryPlanes: 2 },
  { v4l2: 'NM16', drm: 'NV16', planes: semi422, memoryPlanes: 2 },
  { v4l2: 'NM61', drm: 'NV61', planes: semi422, memoryPlanes: 2 },
  { v4l2: 'YM12', drm: 'YU12', planes: planar420, memoryPlanes: 3 },
  { v4l2: 'YM21', drm: 'YV12', planes: planar420, memoryPlanes: 3 },
  { v4l2: 'YM16', drm: 'YU16', planes: planar422, memoryPlanes: 3 },
];

const BY_V4L2 = new Map(TABLE.map((f) => [f.v4l2, f]));

/** What this package knows of a V4L2 pixel format, or undefined. */
export function pixelFormatInfo(v4l2Name: string): PixelFormatInfo | undefined {
  return BY_V4L2.get(v4l2Name);
}

/** The DRM fourcc with the same memory layout as a V4L2 pixel format, or undefined. */
export function drmFormatOf(v4l2Name: string): string | undefined {
  return BY_V4L2.get(v4l2Name)?.drm;
}

/** V4L2 pixel formats (single-buffer ones) that share a DRM fourcc's memory layout. */
export function v4l2FormatsOf(drm: string): string[] {
  return TABLE.filter((f) => f.drm === drm && f.memoryPlanes === 1 && f.v4l2 !== 'BGR4').map((f) => f.v4l2);
}

/**
 * Where each colour plane lies inside one memory plane of `bytesperline` ×
 * `height`: offset, pitch and size. Formats this package does not know are
 * one plane of `sizeimage` bytes.
 */
export function colourPlanes(
  v4l2Name: string,
  height: number,
  bytesperline: number,
  sizeimage: number,
): { offset: number; pitch: number; size: number }[] {
  const info = BY_V4L2.get(v4l2Name);
  if (info?.memoryPlanes !== 1) return [{ offset: 0, pitch: bytesperline, size: sizeimage }];
  const out: { offset: number; pitch: number; size: number }[] = [];
  let offset = 0;
  for (const p of info.planes) {
    const pitch = (bytesperline * p.pitchNum) / p.pitchDen;
    const size = pitch * Math.ceil(height / p.heightDiv);
    out.push({ offset, pitch, size });
    offset += size;
  }
  return out;
}
