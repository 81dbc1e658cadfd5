import type { DrmModeInfo, KmsSnapshot } from '../src/index.js';

export function mode(w: number, h: number, refresh: number, preferred = false): DrmModeInfo {
  return {
    clock: Math.round(((w + 160) * (h + 30) * refresh) / 1000),
    hdisplay: w,
    hsyncStart: w + 48,
    hsyncEnd: w + 80,
    htotal: w + 160,
    hskew: 0,
    vdisplay: h,
    vsyncStart: h + 3,
    vsyncEnd: h + 9,
    vtotal: h + 30,
    vscan: 0,
    vrefresh: refresh,
    flags: 0,
    type: preferred ? (1 << 3) | (1 << 6) : 1 << 6,
    name: `${w}x${h}`,
  };
}

/** Two connectors (HDMI-A-1 connected to nothing yet, Virtual-1 connected on CRTC 41), two CRTCs, planes per CRTC. */
export function snapshot(): KmsSnapshot {
  return {
    connectors: [
      {
        id: 50,
        name: 'HDMI-A-1',
        connection: 'disconnected',
        encoderId: 0,
        encoders: [60],
        modes: [],
        mmWidth: 0,
        mmHeight: 0,
      },
      {
        id: 51,
        name: 'Virtual-1',
        connection: 'connected',
        encoderId: 61,
        encoders: [61],
        modes: [mode(1920, 1080, 60), mode(1280, 800, 75, true), mode(1280, 800, 60), mode(640, 480, 60)],
        mmWidth: 0,
        mmHeight: 0,
      },
      {
        id: 52,
        name: 'DP-1',
        connection: 'connected',
        encoderId: 0,
        encoders: [62],
        modes: [mode(1024, 768, 60)],
        mmWidth: 0,
        mmHeight: 0,
      },
    ],
    encoders: [
      { id: 60, crtcId: 0, possibleCrtcs: 0b11 },
      { id: 61, crtcId: 41, possibleCrtcs: 0b11 },
      { id: 62, crtcId: 0, possibleCrtcs: 0b11 },
    ],
    crtcs: [
      { id: 40, index: 0, fbId: 0, x: 0, y: 0, mode: undefined },
      { id: 41, index: 1, fbId: 99, x: 0, y: 0, mode: mode(1280, 800, 75, true) },
    ],
    planes: [
      {
        id: 30,
        type: 'primary',
        possibleCrtcs: 0b01,
        crtcId: 0,
        fbId: 0,
        formats: ['XR24', 'AR24'],
        inFormatsBlob: 0,
      },
      {
        id: 31,
        type: 'cursor',
        possibleCrtcs: 0b10,
        crtcId: 0,
        fbId: 0,
        formats: ['AR24'],
        inFormatsBlob: 0,
      },
      {
        id: 32,
        type: 'primary',
        possibleCrtcs: 0b10,
        crtcId: 41,
        fbId: 99,
        formats: ['XR24'],
        inFormatsBlob: 7,
      },
    ],
    minWidth: 32,
    maxWidth: 8192,
    minHeight: 32,
    maxHeight: 8192,
  };
}
