/** The uapi numbers this package uses (drm.h, drm_mode.h), by name. */

export const DRM_CAP = {
  DUMB_BUFFER: 0x1,
  PRIME: 0x5,
  TIMESTAMP_MONOTONIC: 0x6,
  ADDFB2_MODIFIERS: 0x10,
  CRTC_IN_VBLANK_EVENT: 0x12,
} as const;

export const DRM_PRIME_CAP = { IMPORT: 0x1, EXPORT: 0x2 } as const;

export const DRM_CLIENT_CAP = { UNIVERSAL_PLANES: 2, ATOMIC: 3, WRITEBACK_CONNECTORS: 5 } as const;

export const DRM_MODE_OBJECT = {
  CRTC: 0xcccccccc,
  CONNECTOR: 0xc0c0c0c0,
  ENCODER: 0xe0e0e0e0,
  PLANE: 0xeeeeeeee,
  FB: 0xfbfbfbfb,
} as const;

export const DRM_MODE_TYPE_PREFERRED = 1 << 3;

export const DRM_MODE_FB_MODIFIERS = 1 << 1;

export const DRM_MODE_PAGE_FLIP_EVENT = 0x01;

export const DRM_MODE_ATOMIC = { TEST_ONLY: 0x100, NONBLOCK: 0x200, ALLOW_MODESET: 0x400 } as const;

export const DRM_PLANE_TYPE = { 0: 'overlay', 1: 'primary', 2: 'cursor' } as const;

export const DRM_FORMAT_MOD_LINEAR = 0n;
export const DRM_FORMAT_MOD_INVALID = 0xffffffffffffffn;
