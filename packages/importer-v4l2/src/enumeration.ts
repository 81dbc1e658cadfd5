import { assertPositive } from '@dmabuf/core';
import { ERRNO, FRMSIZE_TYPE } from './constants.js';
import { checkDevice, type DeviceHandle } from './device-check.js';
import { fourcc, fourccName } from './fourcc.js';
import { v4l2 } from './native.js';

/** A pixel format a queue offers (ENUM_FMT). */
export interface FormatDescription {
  pixelformat: string;
  description: string;
  flags: number;
  compressed: boolean;
}

/** A frame size (ENUM_FRAMESIZES): discrete sizes have min = max and step 0. */
export interface FrameSize {
  type: 'discrete' | 'continuous' | 'stepwise';
  minWidth: number;
  maxWidth: number;
  stepWidth: number;
  minHeight: number;
  maxHeight: number;
  stepHeight: number;
}

/** A frame interval or rate as V4L2 gives it: numerator / denominator. */
export interface Fraction {
  numerator: number;
  denominator: number;
}

/** A frame interval (ENUM_FRAMEINTERVALS), in seconds per frame. */
export interface FrameInterval {
  type: 'discrete' | 'continuous' | 'stepwise';
  min: Fraction;
  max: Fraction;
  step?: Fraction;
}

const SIZE_TYPES = {
  [FRMSIZE_TYPE.DISCRETE]: 'discrete',
  [FRMSIZE_TYPE.CONTINUOUS]: 'continuous',
  [FRMSIZE_TYPE.STEPWISE]: 'stepwise',
} as const;

/** Every entry of a V4L2 enumeration: index 0, 1, … until the driver answers EINVAL. */
function enumerate<T>(query: (index: number) => T | number, each: (r: T | number) => boolean): void {
  for (let i = 0; ; i++) {
    const r = query(i);
    if (r === -ERRNO.EINVAL) return;
    if (!each(r)) return;
  }
}

/** Pixel formats a queue type offers. */
export function enumFormats(device: DeviceHandle, type: number, kind: string): FormatDescription[] {
  const out: FormatDescription[] = [];
  enumerate(
    (i) => v4l2().enumFmt(device.fd, type, i),
    (r) => {
      const d = checkDevice(device, r, 'VIDIOC_ENUM_FMT', `cannot list ${kind} formats`);
      out.push({
        pixelformat: fourccName(d.pixelformat),
        description: d.description,
        flags: d.flags,
        compressed: (d.flags & 1) !== 0,
      });
      return true;
    },
  );
  return out;
}

/** Frame sizes of a pixel format (a stepwise or continuous range is one entry). */
export function enumFrameSizes(device: DeviceHandle, pixelformat: string): FrameSize[] {
  const code = fourcc(pixelformat);
  const out: FrameSize[] = [];
  enumerate(
    (i) => v4l2().enumFrameSizes(device.fd, code, i),
    (r) => {
      const s = checkDevice(device, r, 'VIDIOC_ENUM_FRAMESIZES', `cannot list frame sizes of ${pixelformat}`);
      out.push({ ...s, type: SIZE_TYPES[s.type as 1 | 2 | 3] ?? 'discrete' });
      return s.type === FRMSIZE_TYPE.DISCRETE;
    },
  );
  return out;
}

/** Frame intervals of a pixel format at a size (a stepwise or continuous range is one entry). */
export function enumFrameIntervals(
  device: DeviceHandle,
  pixelformat: string,
  width: number,
  height: number,
): FrameInterval[] {
  const code = fourcc(pixelformat);
  assertPositive('width', width, 65535);
  assertPositive('height', height, 65535);
  const out: FrameInterval[] = [];
  enumerate(
    (i) => v4l2().enumFrameIntervals(device.fd, code, width, height, i),
    (r) => {
      const s = checkDevice(
        device,
        r,
        'VIDIOC_ENUM_FRAMEINTERVALS',
        `cannot list frame intervals of ${pixelformat} ${width}x${height}`,
      );
      out.push({ ...s, type: SIZE_TYPES[s.type as 1 | 2 | 3] ?? 'discrete' });
      return s.type === FRMSIZE_TYPE.DISCRETE;
    },
  );
  return out;
}

/** Inputs (capture) or outputs of a node: index and name. */
export function enumIos(
  device: DeviceHandle,
  output: boolean,
): { index: number; name: string; type: number }[] {
  const out: { index: number; name: string; type: number }[] = [];
  enumerate(
    (i) => v4l2().enumIo(device.fd, output, i),
    (r) => {
      const io = checkDevice(
        device,
        r,
        output ? 'VIDIOC_ENUMOUTPUT' : 'VIDIOC_ENUMINPUT',
        `cannot list ${output ? 'outputs' : 'inputs'}`,
      );
      out.push({ index: out.length, name: io.name, type: io.type });
      return true;
    },
  );
  return out;
}
