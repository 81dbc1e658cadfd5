/**
 * The one pixel-format table of the project: DRM fourcc ↔ V4L2 fourcc(s),
 * planes, subsampling and bytes per block. Exporters lay out from it,
 * importers derive constraints from it, displays match plane formats against
 * it. Facts come from include/uapi/drm/drm_fourcc.h, videodev2.h and the
 * kernel's own tables (drm_fourcc.c format_info, v4l2-common.c v4l2_format_info).
 */

/** One plane of a format in memory. */
export interface FormatPlane {
  /** Bytes of one block: `blockWidth` image pixels of one row of this plane (YUYV: 4 bytes for 2 pixels). */
  readonly blockBytes: number;
  /** Image pixels one block covers horizontally (the plane's horizontal subsampling × pixels per block). */
  readonly blockWidth: number;
  /** Image rows per row of this plane (vertical subsampling: 2 for 4:2:0 chroma). */
  readonly vsub: number;
}

/** What the project knows of a pixel format. */
export interface PixelFormat {
  /** DRM fourcc, trailing spaces trimmed ('XR24', 'NV12', 'R8'). */
  readonly fourcc: string;
  /** The u32 code (fourcc_code() in drm_fourcc.h). */
  readonly code: number;
  /** The DRM_FORMAT_ name without the prefix ('XRGB8888'). */
  readonly name: string;
  /**
   * V4L2 fourccs (single-buffer) with the same memory layout: the first is the
   * one to ask a device for, the others are aliases (deprecated names).
   */
  readonly v4l2: readonly string[];
  /** V4L2's multi-planar variant with one buffer per plane ('NM12' for NV12), when there is one. */
  readonly v4l2Mplane?: string;
  /** A YCbCr format. */
  readonly yuv: boolean;
  /** Chroma subsampling: the image width/height must be a multiple of these for whole chroma samples. */
  readonly hsub: number;
  /** Vertical chroma subsampling (2 for 4:2:0 formats such as NV12, 1 for RGB and 4:2:2). */
  readonly vsub: number;
  /** Planes in memory order. */
  readonly planes: readonly FormatPlane[];
}

type Row = [fourcc: string, name: string, v4l2: string[], mplane: string | undefined, planes: FormatPlane[]];

const px = (blockBytes: number): FormatPlane[] => [{ blockBytes, blockWidth: 1, vsub: 1 }];
/** Packed 4:2:2 YUV: 4 bytes per 2 pixels. */
const packed422: FormatPlane[] = [{ blockBytes: 4, blockWidth: 2, vsub: 1 }];
const Y: FormatPlane = { blockBytes: 1, blockWidth: 1, vsub: 1 };
/** Luma, then one plane of interleaved CbCr samples (2 bytes each) every hsub × vsub pixels. */
const semi = (hsub: number, vsub: number): FormatPlane[] => [Y, { blockBytes: 2, blockWidth: hsub, vsub }];
/** Luma, then two chroma planes of one byte per hsub × vsub pixels. */
const tri = (hsub: number, vsub: number): FormatPlane[] => [
  Y,
  { blockBytes: 1, blockWidth: hsub, vsub },
  { blockBytes: 1, blockWidth: hsub, vsub },
];

// RGB: V4L2 names the bytes in memory, DRM the little-endian word, so the
// 32-bit fourccs coincide while RGB3/BGR3 and RGBP map to BG24/RG24 and RG16.
const ROWS: readonly Row[] = [
  ['XR24', 'XRGB8888', ['XR24', 'BGR4'], undefined, px(4)], // memory B G R X
  ['AR24', 'ARGB8888', ['AR24'], undefined, px(4)], // B G R A
  ['XB24', 'XBGR8888', ['XB24'], undefined, px(4)], // R G B X
  ['AB24', 'ABGR8888', ['AB24'], undefined, px(4)], // R G B A
  ['RX24', 'RGBX8888', ['RX24'], undefined, px(4)], // X B G R
  ['RA24', 'RGBA8888', ['RA24'], undefined, px(4)], // A B G R
  ['BX24', 'BGRX8888', ['BX24'], undefined, px(4)], // X R G B
  ['BA24', 'BGRA8888', ['BA24'], undefined, px(4)], // A R G B
  ['XR30', 'XRGB2101010', [], undefined, px(4)],
  ['RG24', 'RGB888', ['BGR3'], undefined, px(3)], // B G R
  ['BG24', 'BGR888', ['RGB3'], undefined, px(3)], // R G B
  ['RG16', 'RGB565', ['RGBP'], undefined, px(2)],
  ['XR15', 'XRGB1555', ['XR15'], undefined, px(2)],
  ['AR15', 'ARGB1555', ['AR15'], undefined, px(2)],
  ['R8', 'R8', ['GREY'], undefined, px(1)],
  ['GR88', 'GR88', [], undefined, px(2)],
  // packed YUV 4:2:2
  ['YUYV', 'YUYV', ['YUYV'], undefined, packed422],
  ['YVYU', 'YVYU', ['YVYU'], undefined, packed422],
  ['UYVY', 'UYVY', ['UYVY'], undefined, packed422],
  ['VYUY', 'VYUY', ['VYUY'], undefined, packed422],
  // semi-planar YUV
  ['NV12', 'NV12', ['NV12'], 'NM12', semi(2, 2)],
  ['NV21', 'NV21', ['NV21'], 'NM21', semi(2, 2)],
  ['NV16', 'NV16', ['NV16'], 'NM16', semi(2, 1)],
  ['NV61', 'NV61', ['NV61'], 'NM61', semi(2, 1)],
  ['NV24', 'NV24', ['NV24'], undefined, semi(1, 1)],
  ['NV42', 'NV42', ['NV42'], undefined, semi(1, 1)],
  // planar YUV
  ['YU12', 'YUV420', ['YU12'], 'YM12', tri(2, 2)],
  ['YV12', 'YVU420', ['YV12'], 'YM21', tri(2, 2)],
  ['YU16', 'YUV422', ['422P'], 'YM16', tri(2, 1)],
  ['YV16', 'YVU422', [], 'YM61', tri(2, 1)],
  ['YU24', 'YUV444', [], 'YM24', tri(1, 1)],
  ['YV24', 'YVU444', [], 'YM42', tri(1, 1)],
];

function fourccOf(s: string): number {
  const p = s.padEnd(4, ' ');
  return (p.charCodeAt(0) | (p.charCodeAt(1) << 8) | (p.charCodeAt(2) << 16) | (p.charCodeAt(3) << 24)) >>> 0;
}

/** Every format the project can lay out, in the order above (RGB, packed YUV, semi-planar, planar). */
export const PIXEL_FORMATS: readonly PixelFormat[] = Object.freeze(
  ROWS.map(([fourcc, name, v4l2, mplane, planes]) => {
    const chroma = planes.length > 1 ? planes[1]! : planes[0]!;
    const yuv = planes.length > 1 || planes[0]!.blockWidth > 1;
    return Object.freeze({
      fourcc,
      code: fourccOf(fourcc),
      name,
      v4l2: Object.freeze(v4l2),
      ...(mplane ? { v4l2Mplane: mplane } : {}),
      yuv,
      hsub: yuv ? chroma.blockWidth : 1,
      vsub: chroma.vsub,
      planes: Object.freeze(planes.map((p) => Object.freeze({ ...p }))),
    });
  }),
);
