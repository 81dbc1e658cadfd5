import { assertObject, assertPositive, assertUint, invalidArgument, type PlaneLayout } from '@dmabuf/core';
import { assertPixFormat, assertU32 } from './check-args.js';
import { FIELD_ANY } from './constants.js';
import { colourPlanes, drmFormatOf, fourcc, fourccName } from './fourcc.js';
import type { RawFormat } from './native.js';

/** One memory plane of a negotiated format. */
export interface PlaneFormat {
  /** Bytes per line (of the first colour plane in this memory plane). */
  bytesperline: number;
  /** Bytes the device needs in this memory plane. */
  sizeimage: number;
}

/** A negotiated format, the same shape for the single- and the multi-planar API. */
export interface PixFormat {
  /** Pixels per line, as the driver set it (it may differ from what was asked). */
  width: number;
  /** Lines per frame (per field pair for interlaced formats). */
  height: number;
  /** V4L2 fourcc name, e.g. 'YUYV'. */
  pixelformat: string;
  /** The DRM fourcc with the same memory layout, when there is one (e.g. 'XR24'). */
  drmFormat?: string;
  /** V4L2_FIELD_*: 1 (NONE) for progressive frames; the others are interlaced layouts. */
  field: number;
  /** V4L2_COLORSPACE_* (e.g. 8 SRGB, 1 SMPTE170M); 0 DEFAULT lets the driver choose. */
  colorspace: number;
  /** V4L2_PIX_FMT_FLAG_* bits (e.g. 1: premultiplied alpha). */
  flags: number;
  /** V4L2_YCBCR_ENC_* (e.g. 1 BT.601, 2 BT.709); 0: the colorspace's default. */
  ycbcrEnc: number;
  /** V4L2_QUANTIZATION_*: 1 full range, 2 limited range; 0: the colorspace's default. */
  quantization: number;
  /** V4L2_XFER_FUNC_* (transfer function, e.g. 2 SRGB); 0: the colorspace's default. */
  xferFunc: number;
  /** Memory planes: one for single-planar queues and packed formats. */
  planes: PlaneFormat[];
}

/** What a caller asks for; unset fields keep the device's current value. */
export interface FormatRequest {
  /** Pixels per line; omitted: the current width. */
  width?: number;
  /** Lines per frame; omitted: the current height. */
  height?: number;
  /** A V4L2 fourcc, e.g. 'YUYV' or 'NV12'; omitted: the current one. */
  pixelformat?: string;
  /** V4L2_FIELD_*; omitted: ANY (the driver chooses, progressive where it can). */
  field?: number;
  /** V4L2_COLORSPACE_*; omitted: the current one (for output queues: what the data is in). */
  colorspace?: number;
  /** Per-plane bytesperline/sizeimage requests (drivers may round them up). */
  planes?: Partial<PlaneFormat>[];
}

/** @internal (not exported from the package) A PixFormat from the format the binding read (G_FMT/S_FMT/TRY_FMT): fourcc names, the DRM format, planes. */
export function formatFromRaw(raw: RawFormat): PixFormat {
  assertObject('raw', raw);
  assertU32('raw.pixelformat', raw.pixelformat);
  if (!Array.isArray(raw.planes)) throw invalidArgument('raw.planes', 'an array of planes', raw.planes);
  const pixelformat = fourccName(raw.pixelformat);
  const drm = drmFormatOf(pixelformat);
  return {
    width: raw.width,
    height: raw.height,
    pixelformat,
    ...(drm ? { drmFormat: drm } : {}),
    field: raw.field,
    colorspace: raw.colorspace,
    flags: raw.flags,
    ycbcrEnc: raw.ycbcrEnc,
    quantization: raw.quantization,
    xferFunc: raw.xferFunc,
    planes: raw.planes.map((p) => ({ bytesperline: p.bytesperline, sizeimage: p.sizeimage })),
  };
}

/** Validate a request and merge it over the current format. */
export function formatToRaw(current: PixFormat, req: FormatRequest): RawFormat {
  assertObject('format', req);
  if (req.width !== undefined) assertPositive('format.width', req.width, 65535);
  if (req.height !== undefined) assertPositive('format.height', req.height, 65535);
  if (req.field !== undefined) assertUint('format.field', req.field, 9);
  if (req.colorspace !== undefined) assertUint('format.colorspace', req.colorspace, 0xffff);
  const pixelformat = req.pixelformat === undefined ? fourcc(current.pixelformat) : fourcc(req.pixelformat);
  if (req.planes !== undefined) {
    if (!Array.isArray(req.planes) || req.planes.length > 8)
      throw invalidArgument('format.planes', 'an array of at most 8 planes', req.planes);
    req.planes.forEach((p, i) => {
      if (p.bytesperline !== undefined)
        assertUint(`format.planes[${i}].bytesperline`, p.bytesperline, 2 ** 32 - 1);
      if (p.sizeimage !== undefined) assertUint(`format.planes[${i}].sizeimage`, p.sizeimage, 2 ** 32 - 1);
    });
  }
  const changedGeometry =
    req.width !== undefined || req.height !== undefined || req.pixelformat !== undefined;
  // With a new geometry, let the driver compute line and image sizes (0 = "you choose").
  const planes = (req.planes ?? (changedGeometry ? [] : current.planes)).map((p) => ({
    bytesperline: p.bytesperline ?? 0,
    sizeimage: p.sizeimage ?? 0,
  }));
  return {
    width: req.width ?? current.width,
    height: req.height ?? current.height,
    pixelformat,
    field: req.field ?? (changedGeometry ? FIELD_ANY : current.field),
    colorspace: req.colorspace ?? (changedGeometry ? 0 : current.colorspace),
    flags: 0,
    ycbcrEnc: 0,
    quantization: 0,
    xferFunc: 0,
    planes: planes.length ? planes : [{ bytesperline: 0, sizeimage: 0 }],
  };
}

/** The colour planes of a format's memory plane, as a core BufferLayout's planes. */
export function layoutPlanes(format: PixFormat, memoryPlane: number): PlaneLayout[] {
  assertPixFormat('format', format);
  assertUint('memoryPlane', memoryPlane);
  const p = format.planes[memoryPlane];
  if (!p) return [];
  if (format.planes.length > 1) return [{ offset: 0, pitch: p.bytesperline, size: p.sizeimage }];
  return colourPlanes(format.pixelformat, format.height, p.bytesperline, p.sizeimage);
}

/** '640x360 YUYV (1 plane: 1280 B/line, 460800 B)' for messages. */
export function describeFormat(f: PixFormat): string {
  assertPixFormat('f', f);
  const planes = f.planes.map((p) => `${p.bytesperline} B/line, ${p.sizeimage} B`).join('; ');
  return `${f.width}x${f.height} ${f.pixelformat} (${f.planes.length} plane${f.planes.length === 1 ? '' : 's'}: ${planes})`;
}
