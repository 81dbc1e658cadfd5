import type { DrmDevice } from '../device.js';
import { type DrmModeInfo, drmNative } from '../native.js';
import { drmCheck } from '../syscall.js';
import type { Placer } from './placer.js';
import type { KmsSnapshot } from './snapshot.js';

/** What a CRTC showed before a display took it over. */
export interface SavedCrtc {
  crtcId: number;
  fbId: number;
  x: number;
  y: number;
  mode: DrmModeInfo | undefined;
  /** The connectors it drove. */
  connectors: number[];
}

/** Read what to put back later from a snapshot. Pure. */
export function saveCrtc(kms: KmsSnapshot, crtcId: number): SavedCrtc {
  const crtc = kms.crtcs.find((c) => c.id === crtcId)!;
  const connectors = kms.connectors
    .filter((c) => kms.encoders.some((e) => e.id === c.encoderId && e.crtcId === crtcId))
    .map((c) => c.id);
  return { crtcId, fbId: crtc.fbId, x: crtc.x, y: crtc.y, mode: crtc.mode, connectors };
}

/**
 * Put the CRTC back (SETCRTC with the saved framebuffer and mode: the
 * primary plane full screen again), or turn it off when nothing was on it.
 * Synchronous: also runs at process exit.
 */
export function restoreCrtc(device: DrmDevice, saved: SavedCrtc, connectorId: number, what: string): void {
  if (device.closed) return;
  const n = drmNative();
  const fd = device.fd;
  let r =
    saved.fbId && saved.mode
      ? n.setCrtc(
          fd,
          saved.crtcId,
          saved.fbId,
          saved.x,
          saved.y,
          saved.connectors.length ? saved.connectors : [connectorId],
          saved.mode,
        )
      : -1;
  if (r < 0) r = n.setCrtc(fd, saved.crtcId, 0, 0, 0, [], null);
  drmCheck(r, 'DRM_IOCTL_MODE_SETCRTC', device.label, `${what}: cannot restore CRTC ${saved.crtcId}`);
}

/**
 * Turn off the planes a display lit besides the primary, then put the CRTC
 * back (synchronous: also runs at exit); the first failure is thrown after both.
 */
export function restoreScreen(
  device: DrmDevice,
  placer: Placer,
  saved: SavedCrtc,
  connectorId: number,
  what: string,
): void {
  let first: unknown;
  try {
    placer.disableOverlays();
  } catch (e) {
    first = e;
  }
  try {
    restoreCrtc(device, saved, connectorId, what);
  } finally {
    placer.unplace();
  }
  if (first) throw first;
}
