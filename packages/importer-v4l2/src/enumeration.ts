import { assertPositive, ERRNO } from '@dmabuf/core';
import { FRMSIZE_TYPE } from './constants.js';
import { checkDevice, type DeviceHandle } from './device-check.js';
import { fourcc, fourccName } from './fourcc.js';
import { v4l2 } from './native.js';

/** A pixel format a queue offers (ENUM_FMT). */
export interface FormatDescription {
  /** The V4L2 fourcc, e.g. 'YUYV', 'NV12', 'MJPG' (the one to set with setFormat). */
  pixelformat: string;
  /** The driver's name for it, e.g. 'YUYV 4:2:2'. */
  description: string;
  /** V4L2_FMT_FLAG_* bits as the driver reports them (compressed is the first). */
  flags: number;
  /** A compressed format (MJPEG, H.264, FWHT...): buffers hold a bitstream, not a pixel image. */
  compressed: boolean;
}

/** A frame size (ENUM_FRAMESIZES): discrete sizes have min = max and step 0. */
export interface FrameSize {
  /**
   * 'discrete': one size (min = max); 'stepwise': sizes from min to max in steps; 'continuous': any size in
   * range (steps of 1).
   */
  type: 'discrete' | 'continuous' | 'stepwise';
  /** The smallest width, in pixels. */
  minWidth: number;
  /** The largest width, in pixels (= minWidth for a discrete size). */
  maxWidth: number;
  /** Pixels between allowed widths (0 for a discrete size). */
  stepWidth: number;
  /** The smallest height, in rows. */
  minHeight: number;
  /** The largest height, in rows (= minHeight for a discrete size). */
  maxHeight: number;
  /** Rows between allowed heights (0 for a discrete size). */
  stepHeight: number;
}

/** A frame interval or rate as V4L2 gives it: numerator / denominator. */
export interface Fraction {
  /** Seconds (for an interval) or frames (for a rate) times denominator. */
  numerator: number;
  /** What numerator is divided by (never 0 from the driver). */
  denominator: number;
}

/** A frame interval (ENUM_FRAMEINTERVALS), in seconds per frame. */
export interface FrameInterval {
  /**
   * 'discrete': one interval (min = max); 'stepwise' or 'continuous': any from min to max (in steps of step).
   */
  type: 'discrete' | 'continuous' | 'stepwise';
  /** The shortest interval (the highest rate), in seconds per frame. */
  min: Fraction;
  /** The longest interval (the lowest rate); = min when discrete. */
  max: Fraction;
  /** The step between intervals of a range; undefined for a discrete interval. */
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

/** An input (capture) or output of a node (ENUMINPUT / ENUMOUTPUT). */
export interface IoInfo {
  /** What to pass to setIo() to select it. */
  index: number;
  /** The driver's name for it, e.g. 'Camera 0', 'HDMI 1'. */
  name: string;
  /** V4L2_INPUT_TYPE_* (1 tuner, 2 camera, 3 touch) or V4L2_OUTPUT_TYPE_* (1 modulator, 2 analog, 3 analog VGA overlay). */
  type: number;
}

/** Inputs (capture) or outputs of a node: index and name. */
export function enumIos(device: DeviceHandle, output: boolean): IoInfo[] {
  const out: IoInfo[] = [];
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
