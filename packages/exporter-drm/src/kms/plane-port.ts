// A display as a link sink: the native port (native/port_plane.cc) flips the
// placed plane to the framebuffer of each slot and reads the flip events;
// this side checks the framebuffers, hands the device's events to the link
// and turns a native failure into a typed DrmError.
import {
  type DmaBuf,
  type DmaBufError,
  ERRNO,
  errnoName,
  invalidArgument,
  type LinkPort,
} from '@dmabuf/core';
import { check } from '@dmabuf/core/driver';
import { DrmDeviceLostError, DrmError } from '../errors.js';
import { drmNative } from '../native.js';
import type { FlipHost } from './flip-queue.js';
import type { Framebuffer } from './framebuffer.js';

const { ENODEV, ETIMEDOUT } = ERRNO;
/** How long the link waits for a flip before it gives up on the display (kFlipWithinMs in native/port_plane.cc). */
const FLIP_WITHIN_S = 5;

const IOCTL: Record<string, string> = {
  submit: 'ioctl(DRM_IOCTL_MODE_ATOMIC)',
  collect: 'read',
  poll: 'poll',
};

/** The link sink of a display (display.port()): flips on the display's plane, reads its events. */
export function planePort(h: FlipHost, framebuffers: readonly Framebuffer[]): LinkPort {
  if (!Array.isArray(framebuffers) || framebuffers.length === 0)
    throw invalidArgument('framebuffers', 'a non-empty array of this display’s framebuffers', framebuffers);
  for (const fb of framebuffers) h.checkFb(fb);
  const name = `${h.device.label} ${h.connector}`;
  const slots: DmaBuf[][] = framebuffers.map((fb) => [fb.buffer]);
  return {
    kind: 'sink',
    name,
    slots: () => slots,
    claim(link: string, stopNow?: () => void): object {
      const planeId = h.placer.assertFlippable(framebuffers[0]!).plane.id;
      for (const fb of framebuffers) h.placer.assertFlippable(fb);
      const fbProp = h.planes.props(planeId).get('FB_ID')?.id ?? 0;
      h.device.events.pause(link);
      const fbIds = Uint32Array.from(framebuffers, (fb) => fb.id);
      const port = drmNative().planePort(h.device.fd, h.atomic, h.crtcId, planeId, fbProp, fbIds);
      if (typeof port === 'number') {
        h.device.events.resume();
        check(port, 'fcntl(F_GETFL)', `${name}: cannot make a link port`);
      }
      h.stopLink = stopNow; // display.close() ends the link before it restores the screen
      return port as object;
    },
    release(): void {
      h.stopLink = undefined;
      h.device.events.resume();
    },
    failure(errno: number, op: string): DmaBufError {
      const syscall = op === 'submit' && !h.atomic ? 'ioctl(DRM_IOCTL_MODE_PAGE_FLIP)' : (IOCTL[op] ?? op);
      const what = `${h.connector}: ${op} failed in the link (${errnoName(errno)}); the link was stopped`;
      if (errno === ENODEV) return new DrmDeviceLostError(h.device.label, what, syscall);
      if (errno === ETIMEDOUT)
        return new DrmError(
          h.device.label,
          `${h.connector}: a page flip of the link never completed (none within ${FLIP_WITHIN_S} s); the link was stopped`,
          {
            code: 'ETIMEDOUT',
            errno,
            syscall,
            hint: 'The display stopped completing flips (unplugged, switched off, or taken over by another master): check it, then link again',
          },
        );
      return new DrmError(h.device.label, what, {
        code: errnoName(errno),
        errno,
        syscall,
        hint: 'Check that the display is still connected and its mode unchanged, then link again',
      });
    },
  };
}
