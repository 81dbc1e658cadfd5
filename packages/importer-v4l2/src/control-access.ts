import { DmaBufError, ERRNO } from '@dmabuf/core';
import {
  type ControlInfo,
  type ControlValue,
  decodeControlValue,
  encodeControlValue,
  is64,
} from './controls.js';
import { checkDevice, type DeviceHandle } from './device-check.js';
import { v4l2 } from './native.js';

/** A scalar control's current value (G_EXT_CTRLS): boolean, bigint (64-bit) or number. */
export function readControl(device: DeviceHandle, c: ControlInfo): ControlValue {
  if (c.writeOnly)
    throw new DmaBufError(`${device.name}: control '${c.key}' is write-only`, {
      code: 'EACCES',
      hint: 'Set it with setControl()',
    });
  const r = checkDevice(
    device,
    v4l2().getCtrl(device.fd, c.id, is64(c)),
    'VIDIOC_G_EXT_CTRLS',
    `cannot read control '${c.key}'`,
  );
  return decodeControlValue(c, r);
}

/** Set a scalar control (S_EXT_CTRLS), validated against its range, step and menu first; the value the driver kept. */
export function writeControl(device: DeviceHandle, c: ControlInfo, value: ControlValue): ControlValue {
  const v = encodeControlValue(c, value, device.name);
  const r = checkDevice(
    device,
    v4l2().setCtrl(device.fd, c.id, v, is64(c)),
    'VIDIOC_S_EXT_CTRLS',
    `cannot set control '${c.key}' to ${value}`,
    (errno) =>
      errno === ERRNO.EBUSY ? 'The control is grabbed while streaming; stop the stream first' : undefined,
  );
  return decodeControlValue(c, r);
}
