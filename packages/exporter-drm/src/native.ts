import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAddon } from '@dmabuf/core/driver';

/** struct drm_mode_modeinfo, field for field. */
export interface DrmModeInfo {
  /** Pixel clock in kHz. */
  clock: number;
  /** Visible pixels per line. */
  hdisplay: number;
  /** Pixel where horizontal sync starts (after the front porch). */
  hsyncStart: number;
  /** Pixel where horizontal sync ends. */
  hsyncEnd: number;
  /** Pixels per line including blanking. */
  htotal: number;
  /** Horizontal skew (rarely used; 0). */
  hskew: number;
  /** Visible lines. */
  vdisplay: number;
  /** Line where vertical sync starts. */
  vsyncStart: number;
  /** Line where vertical sync ends. */
  vsyncEnd: number;
  /** Lines per frame including blanking. */
  vtotal: number;
  /** Times each line is scanned (0 or 1: once). */
  vscan: number;
  /** Refresh rate in Hz, rounded as the kernel reports it. */
  vrefresh: number;
  /** DRM_MODE_FLAG_* bits (sync polarities, interlace, double scan...). */
  flags: number;
  /** DRM_MODE_TYPE_* bits (8: preferred, 64: driver-given, 32: user-defined). */
  type: number;
  /** The mode's name, e.g. '1280x800'. */
  name: string;
}

/** DRM_IOCTL_VERSION: the driver's name, date, description and version numbers. */
export interface DrmDriverVersion {
  /** The driver's name: 'vgem', 'virtio_gpu', 'i915', ... */
  name: string;
  /** Its date string (often '0'). */
  date: string;
  /** Its description. */
  desc: string;
  /** Major version. */
  major: number;
  /** Minor version. */
  minor: number;
  /** Patch level. */
  patch: number;
}

export interface RawDumb {
  handle: number;
  pitch: number;
  size: number;
}

export interface RawResources {
  fbs: number[];
  crtcs: number[];
  connectors: number[];
  encoders: number[];
  minWidth: number;
  maxWidth: number;
  minHeight: number;
  maxHeight: number;
}

export interface RawConnector {
  id: number;
  type: number;
  typeId: number;
  /** 1 connected, 2 disconnected, 3 unknown. */
  connection: number;
  mmWidth: number;
  mmHeight: number;
  encoderId: number;
  encoders: number[];
  modes: DrmModeInfo[];
}

export interface RawEncoder {
  id: number;
  type: number;
  crtcId: number;
  possibleCrtcs: number;
  possibleClones: number;
}

export interface RawCrtc {
  id: number;
  fbId: number;
  x: number;
  y: number;
  gammaSize: number;
  modeValid: number;
  mode: DrmModeInfo;
}

export interface RawPlane {
  id: number;
  crtcId: number;
  fbId: number;
  possibleCrtcs: number;
  gammaSize: number;
  formats: number[];
}

export interface RawObjectProperties {
  ids: number[];
  values: bigint[];
}

export interface RawProperty {
  id: number;
  name: string;
  flags: number;
  values: bigint[];
  enums: { name: string; value: bigint }[];
}

/** One DRM event as read from the device fd. */
export interface RawEvent {
  type: 'flip' | 'vblank' | 'sequence' | 'unknown';
  userData: number;
  sec: number;
  usec: number;
  sequence: number;
  crtcId: number;
  code?: number;
}

/**
 * The DRM addon: raw ioctls. Every function takes already-validated integers
 * and returns a negative errno on failure instead of throwing.
 */
export interface DrmAddon {
  open(path: string): number;
  version(fd: number): DrmDriverVersion | number;
  getCap(fd: number, cap: number): number;
  setClientCap(fd: number, cap: number, value: number): number;
  setMaster(fd: number): number;
  dropMaster(fd: number): number;

  createDumb(fd: number, width: number, height: number, bpp: number): RawDumb | number;
  destroyDumb(fd: number, handle: number): number;
  gemClose(fd: number, handle: number): number;
  primeHandleToFd(fd: number, handle: number, readWrite: boolean): number;
  primeFdToHandle(fd: number, dmaBufFd: number): number;

  getResources(fd: number): RawResources | number;
  getConnector(fd: number, id: number): RawConnector | number;
  getEncoder(fd: number, id: number): RawEncoder | number;
  getCrtc(fd: number, id: number): RawCrtc | number;
  setCrtc(
    fd: number,
    crtcId: number,
    fbId: number,
    x: number,
    y: number,
    connectors: number[],
    mode: DrmModeInfo | null,
  ): number;
  getPlaneResources(fd: number): number[] | number;
  getPlane(fd: number, id: number): RawPlane | number;

  getObjectProperties(fd: number, id: number, type: number): RawObjectProperties | number;
  getProperty(fd: number, id: number): RawProperty | number;
  getPropBlob(fd: number, id: number): Uint8Array | number;
  createModeBlob(fd: number, mode: DrmModeInfo): number;
  destroyPropBlob(fd: number, id: number): number;

  addFb2(
    fd: number,
    width: number,
    height: number,
    fourcc: number,
    flags: number,
    handles: number[],
    pitches: number[],
    offsets: number[],
    modifiers: bigint[],
  ): number;
  rmFb(fd: number, fbId: number): number;
  dirtyFb(fd: number, fbId: number): number;
  pageFlip(fd: number, crtcId: number, fbId: number, flags: number, userData: number): number;
  atomicCommit(
    fd: number,
    flags: number,
    objects: number[],
    counts: number[],
    props: number[],
    values: bigint[],
    userData: number,
    /** Index in `values` of OUT_FENCE_PTR: the kernel's out-fence fd is returned instead of 0. */
    outFenceIndex?: number,
  ): number;

  vgemFenceAttach(fd: number, handle: number, flags: number): number;
  vgemFenceSignal(fd: number, fence: number): number;

  /** The events pending on the (non-blocking) fd; [] when none. Waiting is core's FdWatcher's. */
  readEvents(fd: number): RawEvent[] | number;

  /** A placed plane as a link sink port (native/port_plane.cc); -errno on failure. */
  planePort(
    fd: number,
    atomic: boolean,
    crtcId: number,
    planeId: number,
    fbIdProp: number,
    fbIds: Uint32Array,
  ): object | number;
}

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

let addon: DrmAddon | undefined;

/** The DRM addon, loaded on first use (a NativeLoadError lists fixes when it cannot be). */
export function drmNative(): DrmAddon {
  // from source it also needs the kernel's DRM uAPI headers: libdrm-dev on Debian/Ubuntu (Alpine's linux-headers has them)
  addon ??= loadAddon<DrmAddon>(packageRoot, '@dmabuf/exporter-drm', { debian: ['libdrm-dev'], alpine: [] });
  return addon;
}
