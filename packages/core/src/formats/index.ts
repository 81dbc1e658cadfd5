export { PixelFormatError } from './errors.js';
export { FOURCC_BIG_ENDIAN, fourccChars, fourccCode, isBigEndianFourcc, trimFourcc } from './fourcc.js';
export {
  derivedPitches,
  type ImageLayoutOptions,
  type ImagePlane,
  imagePlanes,
  pitchRatio,
  planeRowBytes,
  planeRows,
} from './image-layout.js';
export {
  drmFourccOfV4l2,
  pixelFormat,
  pixelFormatNames,
  requirePixelFormat,
  type V4l2FormatInfo,
  v4l2Format,
  v4l2FourccsOf,
} from './lookup.js';
export {
  chooseModifier,
  MOD_INVALID,
  MOD_LINEAR,
  type ModifierChoice,
  modifierList,
  modifierName,
} from './modifiers.js';
export { type FormatPlane, PIXEL_FORMATS, type PixelFormat } from './table.js';
