import { invalidArgument } from '@dmabuf/core';

/** One plane of a pixel format: bits per pixel and chroma subsampling. */
export interface FormatPlane {
  bpp: number;
  hsub: number;
  vsub: number;
}

/** A DRM pixel format this package can lay out in a dumb buffer. */
export interface FormatInfo {
  /** The four characters, e.g. 'XR24'. */
  fourcc: string;
  /** The kernel's u32 code. */
  code: number;
  /** The name in drm_fourcc.h, e.g. 'XRGB8888'. */
  name: string;
  planes: readonly FormatPlane[];
}

const single = (bpp: number): FormatPlane[] => [{ bpp, hsub: 1, vsub: 1 }];
const semiPlanar = (hsub: number, vsub: number): FormatPlane[] => [
  { bpp: 8, hsub: 1, vsub: 1 },
  { bpp: 16, hsub, vsub },
];

const TABLE: readonly [string, string, FormatPlane[]][] = [
  ['XR24', 'XRGB8888', single(32)],
  ['AR24', 'ARGB8888', single(32)],
  ['XB24', 'XBGR8888', single(32)],
  ['AB24', 'ABGR8888', single(32)],
  ['RX24', 'RGBX8888', single(32)],
  ['BX24', 'BGRX8888', single(32)],
  ['RA24', 'RGBA8888', single(32)],
  ['BA24', 'BGRA8888', single(32)],
  ['XR30', 'XRGB2101010', single(32)],
  ['RG24', 'RGB888', single(24)],
  ['BG24', 'BGR888', single(24)],
  ['RG16', 'RGB565', single(16)],
  ['XR15', 'XRGB1555', single(16)],
  ['R8  ', 'R8', single(8)],
  ['GR88', 'GR88', single(16)],
  ['YUYV', 'YUYV', single(16)],
  ['UYVY', 'UYVY', single(16)],
  ['NV12', 'NV12', semiPlanar(2, 2)],
  ['NV21', 'NV21', semiPlanar(2, 2)],
  ['NV16', 'NV16', semiPlanar(2, 1)],
];

/** The u32 code of a fourcc string ('XR24' → 0x34325258). Shorter names are padded with spaces ('R8' → 'R8  '). */
export function fourccCode(fourcc: string): number {
  if (
    typeof fourcc !== 'string' ||
    fourcc.length < 1 ||
    fourcc.length > 4 ||
    !/^[\x20-\x7e]+$/.test(fourcc)
  ) {
    throw invalidArgument('format', 'a DRM fourcc of 1 to 4 printable characters (e.g. XR24)', fourcc);
  }
  const s = fourcc.padEnd(4, ' ');
  return (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0;
}

/** The fourcc string of a u32 code, trailing spaces kept ('R8  '); big-endian flag shown as a '|BE' suffix. */
export function fourccName(code: number): string {
  const be = (code & 0x80000000) !== 0;
  const c = code & 0x7fffffff;
  const s = String.fromCharCode(c & 0xff, (c >> 8) & 0xff, (c >> 16) & 0xff, (c >>> 24) & 0xff);
  return be ? `${s}|BE` : s;
}

const byFourcc = new Map<string, FormatInfo>(
  TABLE.map(([fourcc, name, planes]) => [fourcc, { fourcc, code: fourccCode(fourcc), name, planes }]),
);

/** Normalise a fourcc as the table keys it: 'R8' → 'R8  ', names like 'XRGB8888' → 'XR24'. */
export function normalizeFourcc(format: string): string {
  const byName = TABLE.find(([, name]) => name === format);
  if (byName) return byName[0];
  return format.padEnd(4, ' ');
}

/** The layout of a format, or undefined if this package cannot lay it out. */
export function formatInfo(format: string): FormatInfo | undefined {
  return byFourcc.get(normalizeFourcc(format));
}

/** Every format this package can allocate as a dumb buffer. */
export function knownFormats(): string[] {
  return [...byFourcc.keys()].map((f) => f.trimEnd());
}

/**
 * How a width×height image of `info` lays out when plane 0 has a row pitch of
 * `pitch0`: per plane, its pitch (the same bytes-per-pixel ratio as the
 * format's rows: NV12's chroma plane has plane 0's pitch), its rows, and the
 * least pitch its pixels need.
 */
export function planeGeometry(
  info: FormatInfo,
  width: number,
  height: number,
  pitch0: number,
): { pitch: number; rows: number; minPitch: number }[] {
  const bpp0 = info.planes[0]!.bpp;
  return info.planes.map((p) => ({
    pitch: (pitch0 * p.bpp) / p.hsub / bpp0,
    rows: Math.ceil(height / p.vsub),
    minPitch: Math.ceil((Math.ceil(width / p.hsub) * p.bpp) / 8),
  }));
}
