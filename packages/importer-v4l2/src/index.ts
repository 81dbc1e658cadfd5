export { DeviceBufferView } from './buffer-view.js';
export {
  type BufferCapabilities,
  DEVICE_CAPABILITIES,
  decodeBufferCapabilities,
  decodeCapabilities,
} from './capabilities.js';
export {
  BUF_CAP,
  BUF_FLAG,
  BUF_TYPE,
  CTRL_TYPE,
  MEMORY,
  type MemoryKind,
  QUEUE_KINDS,
  type QueueKind,
} from './constants.js';
export { formatConstraints, planeConstraints } from './constraints.js';
export {
  type ControlInfo,
  type ControlType,
  type ControlValue,
  controlKey,
  type MenuItem,
} from './controls.js';
export { V4l2Device } from './device.js';
export type { DeviceInfo } from './device-info.js';
export type { FormatDescription, Fraction, FrameInterval, FrameSize, IoInfo } from './enumeration.js';
export { DeviceLostError, FormatError, StreamError } from './errors.js';
export { V4L2_EXP_NAMES, V4l2Exporter, type V4l2ExportPriv, v4l2ExporterPlugin } from './exporter.js';
export {
  describeFormat,
  type FormatRequest,
  layoutPlanes,
  type PixFormat,
  type PlaneFormat,
} from './format.js';
export {
  type ColourPlane,
  colourPlanes,
  drmFormatOf,
  fourcc,
  fourccName,
  type PixelFormatInfo,
  pixelFormatInfo,
  v4l2FormatsOf,
} from './fourcc.js';
export { type FrameOwner, type QueueBufferOptions, V4l2Frame } from './frame.js';
export type { CodecRole } from './m2m/codec-commands.js';
export { type CodedChunk, codedChunks } from './m2m/coded-chunks.js';
export { copyFrameBytes } from './m2m/frame-bytes.js';
export { type DecodedFrame, type DecoderOptions, M2mDecoder } from './m2m/m2m-decoder.js';
export {
  type M2mFindCriteria,
  type M2mFormats,
  type M2mResult,
  type M2mSide,
  V4l2M2mDevice,
} from './m2m/m2m-device.js';
export type { M2mEvent, M2mEventKind, M2mEvents } from './m2m/m2m-events.js';
export { type FeedOptions, feedFrames } from './m2m/m2m-feed.js';
export { MediaDevice, type MediaDeviceInfo, mediaNodes, type PadRef } from './media/media-device.js';
export type { MediaEntity, MediaLink, MediaLinkEnd, MediaPad, MediaTopology } from './media/media-graph.js';
export { MBUS_CODES, mbusName } from './media/media-names.js';
export { type FormatWhich, type MbusFormat, type MbusFormatRequest, V4l2Subdev } from './media/subdev.js';
export { type FindCriteria, videoNodes } from './node-discovery.js';
export { V4l2Queue } from './queue.js';
export type {
  PlaneInput,
  QueuedBuffer,
  QueuedPlane,
  QueueOptions,
  QueueState,
  SlotInput,
  WaitOptions,
} from './queue-types.js';
export { type SlotAssignment, type SlotHandle, type SlotPlane, type SlotState, V4l2Slot } from './slot.js';
