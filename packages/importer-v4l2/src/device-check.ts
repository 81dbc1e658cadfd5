import { assertOneOf, DmaBufError, ERRNO } from '@dmabuf/core';
import { check } from '@dmabuf/core/driver';
import { BUF_TYPE, QUEUE_KINDS, type QueueKind } from './constants.js';
import { DeviceLostError } from './errors.js';

/** What a device query needs: the node's fd and how messages name it. */
export interface DeviceHandle {
  readonly fd: number;
  readonly name: string;
}

/**
 * The result of a device ioctl, or a typed error: ENODEV (the device went
 * away) is a DeviceLostError, anything else a DmaBufError naming the device.
 */
export function checkDevice<T>(
  device: DeviceHandle,
  r: T | number,
  ioctl: string,
  what: string,
  hint?: (errno: number) => string | undefined,
): T {
  if (r === -ERRNO.ENODEV) throw new DeviceLostError(device.name);
  return check(r, `ioctl(${ioctl})`, `${device.name}: ${what}`, hint);
}

/** The V4L2 buffer type of a queue kind the node has; EINVAL naming the queues it does have. */
export function queueTypeOf(device: DeviceHandle, queues: readonly QueueKind[], kind: QueueKind): number {
  assertOneOf('queue', kind, QUEUE_KINDS);
  if (queues.includes(kind)) return BUF_TYPE[kind];
  throw new DmaBufError(`${device.name} has no ${kind} queue (it has: ${queues.join(', ') || 'none'})`, {
    code: 'EINVAL',
    hint: queues.length
      ? `Use '${queues[0]}', or find another node with V4l2Device.find({ queue: '${kind}' })`
      : 'Open a video node',
  });
}
