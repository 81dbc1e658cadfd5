import type { PixFormat } from '../src/index.js';

// Formats as vivid negotiates them at 640x360 (captured in the lab), for host tests.

/** vivid's single-planar YUYV. */
export const vividYuyv: PixFormat = {
  width: 640,
  height: 360,
  pixelformat: 'YUYV',
  drmFormat: 'YUYV',
  field: 1,
  colorspace: 8,
  flags: 0,
  ycbcrEnc: 0,
  quantization: 0,
  xferFunc: 0,
  planes: [{ bytesperline: 1280, sizeimage: 460800 }],
};

/** vivid's multi-planar NV12 (NM12: luma and chroma in two memory planes). */
export const vividNv12m: PixFormat = {
  width: 640,
  height: 360,
  pixelformat: 'NM12',
  drmFormat: 'NV12',
  field: 1,
  colorspace: 8,
  flags: 0,
  ycbcrEnc: 0,
  quantization: 0,
  xferFunc: 0,
  planes: [
    { bytesperline: 640, sizeimage: 230400 },
    { bytesperline: 640, sizeimage: 115200 },
  ],
};
