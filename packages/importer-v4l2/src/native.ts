import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAddon } from '@dmabuf/core/driver';

/** QUERYCAP as the addon reports it. */
export interface RawCapability {
  driver: string;
  card: string;
  busInfo: string;
  version: number;
  capabilities: number;
  deviceCaps: number;
}

export interface RawFmtDesc {
  pixelformat: number;
  flags: number;
  description: string;
  mbusCode: number;
}

export interface RawFrameSize {
  type: number;
  minWidth: number;
  maxWidth: number;
  stepWidth: number;
  minHeight: number;
  maxHeight: number;
  stepHeight: number;
}

export interface RawFract {
  numerator: number;
  denominator: number;
}

export interface RawFrameInterval {
  type: number;
  min: RawFract;
  max: RawFract;
  step?: RawFract;
}

export interface RawPlaneFormat {
  bytesperline: number;
  sizeimage: number;
}

/** Both format APIs in one shape: single-planar formats have one plane. */
export interface RawFormat {
  type?: number;
  width: number;
  height: number;
  pixelformat: number;
  field: number;
  colorspace: number;
  flags: number;
  ycbcrEnc: number;
  quantization: number;
  xferFunc: number;
  planes: RawPlaneFormat[];
}

export interface RawParm extends RawFract {
  capability: number;
}

export interface RawIo {
  name: string;
  type: number;
  capabilities: number;
  status?: number;
}

export interface RawExtCtrl {
  id: number;
  type: number;
  name: string;
  minimum: bigint;
  maximum: bigint;
  step: bigint;
  defaultValue: bigint;
  flags: number;
  elems: number;
  elemSize: number;
  nrOfDims: number;
}

export interface RawMenuItem {
  name: string;
  value: bigint;
}

export interface RawReqbufs {
  count: number;
  capabilities: number;
  flags: number;
}

export interface RawPlane {
  bytesused: number;
  length: number;
  dataOffset: number;
  fd?: number;
  memOffset?: number;
}

export interface RawBuffer {
  index: number;
  type: number;
  bytesused: number;
  flags: number;
  field: number;
  sec: number;
  usec: number;
  sequence: number;
  memory: number;
  planes: RawPlane[];
}

export interface RawQueuePlane {
  fd?: number;
  length: number;
  bytesused: number;
  dataOffset: number;
}

export interface RawEvent {
  type: number;
  id: number;
  pending: number;
  sequence: number;
  sec: number;
  nsec: number;
  /** V4L2_EVENT_SRC_CH_* of a SOURCE_CHANGE event (0 for other types). */
  changes: number;
}

export interface RawMediaDeviceInfo {
  driver: string;
  model: string;
  serial: string;
  busInfo: string;
  mediaVersion: number;
  hwRevision: number;
  driverVersion: number;
}

export interface RawTopology {
  version: number;
  entities: { id: number; name: string; function: number; flags: number }[];
  interfaces: { id: number; type: number; flags: number; major: number; minor: number }[];
  pads: { id: number; entityId: number; flags: number; index: number }[];
  links: { id: number; sourceId: number; sinkId: number; flags: number }[];
}

export interface RawMbusFormat {
  width: number;
  height: number;
  code: number;
  field: number;
  colorspace: number;
}

/**
 * The V4L2 addon. Every function takes already-validated integers and returns
 * a negative errno on failure instead of throwing.
 */
/** A queue port's arguments: fd, buffer type, memory, slots, planes per slot, fds and lengths (slot * planes + plane). */
export type QueuePortArgs = [
  fd: number,
  type: number,
  memory: number,
  slots: number,
  planes: number,
  fds: Int32Array,
  lengths: Uint32Array,
];

export interface V4l2Addon {
  open(path: string): number;
  querycap(fd: number): RawCapability | number;
  enumFmt(fd: number, type: number, index: number): RawFmtDesc | number;
  enumFrameSizes(fd: number, pixelformat: number, index: number): RawFrameSize | number;
  enumFrameIntervals(
    fd: number,
    pixelformat: number,
    width: number,
    height: number,
    index: number,
  ): RawFrameInterval | number;
  getFormat(fd: number, type: number): RawFormat | number;
  setFormat(fd: number, type: number, format: RawFormat, tryOnly: boolean): RawFormat | number;
  getParm(fd: number, type: number): RawParm | number;
  setParm(fd: number, type: number, numerator: number, denominator: number): RawParm | number;
  getIo(fd: number, output: boolean): number;
  setIo(fd: number, output: boolean, index: number): number;
  enumIo(fd: number, output: boolean, index: number): RawIo | number;

  queryExtCtrl(fd: number, id: number): RawExtCtrl | number;
  queryMenu(fd: number, id: number, index: number): RawMenuItem | number;
  getCtrl(fd: number, id: number, is64: boolean): bigint | number;
  setCtrl(fd: number, id: number, value: bigint, is64: boolean): bigint | number;

  reqbufs(fd: number, type: number, memory: number, count: number): RawReqbufs | number;
  querybuf(fd: number, type: number, memory: number, index: number): RawBuffer | number;
  qbuf(
    fd: number,
    type: number,
    memory: number,
    index: number,
    planes: RawQueuePlane[],
    field: number,
  ): RawBuffer | number;
  dqbuf(fd: number, type: number, memory: number): RawBuffer | number;
  streamon(fd: number, type: number): number;
  streamoff(fd: number, type: number): number;
  expbuf(fd: number, type: number, index: number, plane: number): number;
  /** A capture queue as a link source port (native/port_capture.cc); -errno on failure. */
  capturePort(...args: QueuePortArgs): object | number;
  /** An output queue as a link sink port (QBUF at submit, done at DQBUF); -errno on failure. */
  outputPort(...args: QueuePortArgs): object | number;

  subscribeEvent(fd: number, type: number, id: number, flags: number, unsubscribe: boolean): number;
  dqevent(fd: number): RawEvent | number;
  encoderCmd(fd: number, cmd: number, flags: number, tryOnly: boolean): number;
  decoderCmd(fd: number, cmd: number, flags: number, tryOnly: boolean): number;

  mediaDeviceInfo(fd: number): RawMediaDeviceInfo | number;
  mediaTopology(fd: number): RawTopology | number;
  setupLink(
    fd: number,
    sourceEntity: number,
    sourcePad: number,
    sinkEntity: number,
    sinkPad: number,
    flags: number,
  ): number;
  subdevFormat(
    fd: number,
    pad: number,
    which: number,
    set: boolean,
    width: number,
    height: number,
    code: number,
    field: number,
  ): RawMbusFormat | number;
  subdevEnumCode(fd: number, pad: number, which: number, index: number): number;
}

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

let addon: V4l2Addon | undefined;

/** The V4L2 addon, loaded on first use. */
export function v4l2(): V4l2Addon {
  addon ??= loadAddon<V4l2Addon>(packageRoot, '@dmabuf/importer-v4l2');
  return addon;
}
