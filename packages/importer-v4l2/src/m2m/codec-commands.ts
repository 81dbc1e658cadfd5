// VIDIOC_(TRY_)ENCODER_CMD / VIDIOC_(TRY_)DECODER_CMD: what role a
// memory-to-memory device has, and its STOP (drain) and START commands.
import { DmaBufError, ERRNO } from '@dmabuf/core';
import { check } from '@dmabuf/core/driver';
import { CODEC_CMD } from '../constants.js';
import { v4l2 } from '../native.js';

/** What a memory-to-memory device is when it answers codec commands: an encoder or a decoder. */
export type CodecRole = 'encoder' | 'decoder';

/** The role TRY_*_CMD reveals (a converter answers neither). */
export function codecRole(fd: number): CodecRole | undefined {
  if (v4l2().encoderCmd(fd, CODEC_CMD.STOP, 0, true) === 0) return 'encoder';
  if (v4l2().decoderCmd(fd, CODEC_CMD.STOP, 0, true) === 0) return 'decoder';
  return undefined;
}

function send(fd: number, role: CodecRole | undefined, cmd: number, name: string): void {
  const verb = cmd === CODEC_CMD.STOP ? 'STOP' : 'START';
  if (!role) {
    throw new DmaBufError(`${name} has no encoder or decoder commands (no ${verb})`, {
      code: 'ENOTTY',
      errno: ERRNO.ENOTTY,
      hint: 'A scaler/converter drains by its queues: wait for the frames of the OUTPUT buffers you queued, then stop()',
    });
  }
  const r = role === 'encoder' ? v4l2().encoderCmd(fd, cmd, 0, false) : v4l2().decoderCmd(fd, cmd, 0, false);
  const ioctl = role === 'encoder' ? 'VIDIOC_ENCODER_CMD' : 'VIDIOC_DECODER_CMD';
  check(r, `ioctl(${ioctl})`, `${name}: the ${role} refused ${verb}`, (errno) =>
    errno === ERRNO.EBUSY ? 'A drain is already running: wait for the LAST buffer' : undefined,
  );
}

export function sendStop(fd: number, role: CodecRole | undefined, name: string): void {
  send(fd, role, CODEC_CMD.STOP, name);
}

export function sendStart(fd: number, role: CodecRole | undefined, name: string): void {
  send(fd, role, CODEC_CMD.START, name);
}
