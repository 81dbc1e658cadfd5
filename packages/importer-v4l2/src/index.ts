export { decodeBufferCapabilities, decodeCapabilities, DEVICE_CAPABILITIES, type BufferCapabilities } from './capabilities.js';
export { BUF_CAP, BUF_FLAG, BUF_TYPE, CTRL_TYPE, MEMORY, QUEUE_KINDS, type MemoryKind, type QueueKind } from './constants.js';
export { formatConstraints, planeConstraints } from './constraints.js';
export { controlKey, type ControlInfo, type ControlType, type ControlValue, type MenuItem } from './controls.js';
export {
  V4l2Device,
  videoNodes,
  type FindCriteria,
  type Fraction,
  type FormatDescription,
  type FrameInterval,
  type FrameSize,
} from './device.js';
export type { DeviceInfo } from './device-info.js';
export { DeviceLostError, FormatError, StreamError } from './errors.js';
export { V4l2Exporter, v4l2ExporterPlugin, V4L2_EXP_NAMES, type V4l2ExportPriv } from './exporter.js';
export { describeFormat, formatFromRaw, layoutPlanes, type FormatRequest, type PixFormat, type PlaneFormat } from './format.js';
export { colourPlanes, drmFormatOf, fourcc, fourccName, pixelFormatInfo, v4l2FormatsOf, type PixelFormatInfo } from './fourcc.js';
export { V4l2Frame, type QueueBufferOptions } from './frame.js';
export { V4l2Queue, type PlaneInput, type QueuedBuffer, type QueueOptions, type QueueState, type SlotInput, type WaitOptions } from './queue.js';
export { V4l2Slot, type SlotHandle, type SlotPlane, type SlotState } from './slot.js';
