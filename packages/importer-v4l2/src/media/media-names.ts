import { assertU32 } from '../check-args.js';
// Names for the numbers of linux/media.h and linux/media-bus-format.h this package shows.

/** MEDIA_ENT_F_* → a short name. */
export const ENTITY_FUNCTIONS: Record<number, string> = {
  0: 'unknown',
  65537: 'io-v4l',
  131072: 'v4l2-subdev-unknown',
  131073: 'cam-sensor',
  131074: 'flash',
  131075: 'lens',
  16385: 'proc-video-composer',
  16386: 'proc-video-pixel-formatter',
  16387: 'proc-video-pixel-enc-conv',
  16388: 'proc-video-lut',
  16389: 'proc-video-scaler',
  16390: 'proc-video-statistics',
  16391: 'proc-video-encoder',
  16392: 'proc-video-decoder',
  16393: 'proc-video-isp',
  20481: 'vid-mux',
  20482: 'vid-if-bridge',
};

export const PAD_FLAG = { SINK: 1, SOURCE: 2, MUST_CONNECT: 4 } as const;
export const LINK_FLAG = {
  ENABLED: 1,
  IMMUTABLE: 2,
  DYNAMIC: 4,
  TYPE_MASK: 0xf << 28,
  INTERFACE: 1 << 28,
  ANCILLARY: 2 << 28,
} as const;
export const INTF_TYPE = { V4L_VIDEO: 0x200, V4L_SUBDEV: 0x203 } as const;

/** Media bus codes (MEDIA_BUS_FMT_*) by name: the ones camera pipelines such as vimc use. */
export const MBUS_CODES: Record<string, number> = {
  RGB565_1X16: 0x1017,
  RGB888_1X24: 0x100a,
  BGR888_1X24: 0x1013,
  ARGB8888_1X32: 0x100d,
  YUYV8_1X16: 0x2011,
  UYVY8_1X16: 0x200f,
  YUYV8_2X8: 0x2008,
  UYVY8_2X8: 0x2006,
  SBGGR8_1X8: 0x3001,
  SGBRG8_1X8: 0x3013,
  SGRBG8_1X8: 0x3002,
  SRGGB8_1X8: 0x3014,
  SBGGR10_1X10: 0x3007,
  SGBRG10_1X10: 0x300e,
  SGRBG10_1X10: 0x300a,
  SRGGB10_1X10: 0x300f,
  SBGGR12_1X12: 0x3008,
  SGBRG12_1X12: 0x3010,
  SGRBG12_1X12: 0x3011,
  SRGGB12_1X12: 0x3012,
};

/** A media bus code's name, or its hex value when unnamed. */
export function mbusName(code: number): string {
  assertU32('code', code);
  for (const [name, c] of Object.entries(MBUS_CODES)) if (c === code) return name;
  return `0x${code.toString(16)}`;
}
