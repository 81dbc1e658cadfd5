import { assertCount, assertOpenDevice, assertRecord } from '../check.js';
import { DRM_CLIENT_CAP, DRM_MODE_OBJECT, DRM_PLANE_TYPE } from '../constants.js';
import type { DrmDevice } from '../device.js';
import { fourccName } from '../fourcc.js';
import { type DrmModeInfo, drmNative } from '../native.js';
import { drmCheck } from '../syscall.js';
import { type Connection, connectionOf, connectorName } from './connector-names.js';

/** A connector as GETCONNECTOR reports it: its name, state, modes and encoders. */
export interface KmsConnector {
  /** The connector's KMS object id. */
  id: number;
  /** 'Virtual-1', 'HDMI-A-1'. */
  name: string;
  /** 'connected', 'disconnected' or 'unknown' (as probed when read). */
  connection: Connection;
  /** The encoder in use, 0 if none. */
  encoderId: number;
  /** Ids of the encoders that can drive it. */
  encoders: number[];
  /** The modes it offers, the driver's order (the preferred one has DRM_MODE_TYPE_PREFERRED in type). */
  modes: DrmModeInfo[];
  /** The display's physical width in millimetres (0 when unknown). */
  mmWidth: number;
  /** Its physical height in millimetres (0 when unknown). */
  mmHeight: number;
}

/** An encoder: the CRTC it drives now and the CRTCs it can drive (a bit mask by CRTC index). */
export interface KmsEncoder {
  /** The encoder's KMS object id. */
  id: number;
  /** The CRTC it drives now; 0 if none. */
  crtcId: number;
  /** The CRTCs it can drive: bit i set for the CRTC at index i (KmsCrtc.index). */
  possibleCrtcs: number;
}

/** A CRTC: its position, the framebuffer and mode it scans out now. */
export interface KmsCrtc {
  /** The CRTC's KMS object id. */
  id: number;
  /** Position in the resources list (the bit in possible_crtcs masks). */
  index: number;
  /** The framebuffer it scans out now; 0 if none. */
  fbId: number;
  /** The left edge of the framebuffer area it scans out, in pixels. */
  x: number;
  /** The top edge of that area, in rows. */
  y: number;
  /** The mode it runs; undefined when it is off. */
  mode: DrmModeInfo | undefined;
}

/** A plane's type property (`unknown` when the driver does not say). */
export type PlaneType = 'primary' | 'overlay' | 'cursor' | 'unknown';

/** A plane: its type, the CRTCs it can go on, what it shows now and the formats (and modifiers) it takes. */
export interface KmsPlane {
  /** The plane's KMS object id. */
  id: number;
  /** 'primary' (the CRTC's main image), 'overlay', 'cursor', or 'unknown'. */
  type: PlaneType;
  /** The CRTCs it can go on: bit i set for the CRTC at index i. */
  possibleCrtcs: number;
  /** The CRTC it is on now; 0 if none. */
  crtcId: number;
  /** The framebuffer it shows now; 0 if none. */
  fbId: number;
  /** Formats as fourcc strings (trailing spaces trimmed). */
  formats: string[];
  /** The IN_FORMATS blob id (formats × modifiers), 0 if the driver has none. */
  inFormatsBlob: number;
}

/** What the display side of a device looks like right now: plain data, for pure selection logic. */
export interface KmsSnapshot {
  /** Every connector (probed: reading can take a moment on real hardware). */
  connectors: KmsConnector[];
  /** Every encoder. */
  encoders: KmsEncoder[];
  /** Every CRTC, in resource order (the order possible_crtcs bits refer to). */
  crtcs: KmsCrtc[];
  /** Every plane (primary and cursor too); empty when read with { planes: false }. */
  planes: KmsPlane[];
  /** The smallest framebuffer width the device takes, in pixels. */
  minWidth: number;
  /** The largest framebuffer width, in pixels. */
  maxWidth: number;
  /** The smallest framebuffer height, in rows. */
  minHeight: number;
  /** The largest framebuffer height, in rows. */
  maxHeight: number;
}

/**
 * Read connectors (probing them), encoders, CRTCs and planes with their
 * types (this sets the universal-planes client cap on the fd, so primary and
 * cursor planes are listed too).
 */
export function readKms(device: DrmDevice, options: { planes?: boolean } = {}): KmsSnapshot {
  assertOpenDevice('device', device);
  assertRecord('options', options);
  const n = drmNative();
  const fd = device.fd;
  const res = drmCheck(
    n.getResources(fd),
    'DRM_IOCTL_MODE_GETRESOURCES',
    device.label,
    'cannot read display resources',
  );
  const connectors = res.connectors.map((id) => {
    const c = drmCheck(
      n.getConnector(fd, id),
      'DRM_IOCTL_MODE_GETCONNECTOR',
      device.label,
      `cannot read connector ${id}`,
    );
    return {
      id: c.id,
      name: connectorName(c.type, c.typeId),
      connection: connectionOf(c.connection),
      encoderId: c.encoderId,
      encoders: c.encoders,
      modes: c.modes,
      mmWidth: c.mmWidth,
      mmHeight: c.mmHeight,
    };
  });
  const encoders = res.encoders.map((id) => {
    const e = drmCheck(
      n.getEncoder(fd, id),
      'DRM_IOCTL_MODE_GETENCODER',
      device.label,
      `cannot read encoder ${id}`,
    );
    return { id: e.id, crtcId: e.crtcId, possibleCrtcs: e.possibleCrtcs };
  });
  const crtcs = res.crtcs.map((id, index) => {
    const c = drmCheck(n.getCrtc(fd, id), 'DRM_IOCTL_MODE_GETCRTC', device.label, `cannot read CRTC ${id}`);
    return { id: c.id, index, fbId: c.fbId, x: c.x, y: c.y, mode: c.modeValid ? c.mode : undefined };
  });
  const planes = options.planes === false ? [] : readPlanes(device);
  return {
    connectors,
    encoders,
    crtcs,
    planes,
    minWidth: res.minWidth,
    maxWidth: res.maxWidth,
    minHeight: res.minHeight,
    maxHeight: res.maxHeight,
  };
}

function readPlanes(device: DrmDevice): KmsPlane[] {
  const n = drmNative();
  const fd = device.fd;
  n.setClientCap(fd, DRM_CLIENT_CAP.UNIVERSAL_PLANES, 1);
  const ids = drmCheck(
    n.getPlaneResources(fd),
    'DRM_IOCTL_MODE_GETPLANERESOURCES',
    device.label,
    'cannot list planes',
  );
  return ids.map((id) => {
    const p = drmCheck(
      n.getPlane(fd, id),
      'DRM_IOCTL_MODE_GETPLANE',
      device.label,
      `cannot read plane ${id}`,
    );
    const props = objectProperties(device, id, DRM_MODE_OBJECT.PLANE);
    const type = props.get('type');
    return {
      id: p.id,
      type:
        type === undefined
          ? 'unknown'
          : ((DRM_PLANE_TYPE as Record<number, PlaneType>)[Number(type.value)] ?? 'unknown'),
      possibleCrtcs: p.possibleCrtcs,
      crtcId: p.crtcId,
      fbId: p.fbId,
      formats: p.formats.map((f) => fourccName(f).trimEnd()),
      inFormatsBlob: Number(props.get('IN_FORMATS')?.value ?? 0n),
    };
  });
}

export interface PropertyValue {
  id: number;
  value: bigint;
}

/** An object's properties by name: their ids (for atomic commits) and current values. */
export function objectProperties(
  device: DrmDevice,
  objectId: number,
  objectType: number,
): Map<string, PropertyValue> {
  const n = drmNative();
  const fd = device.fd;
  const props = drmCheck(
    n.getObjectProperties(fd, objectId, objectType),
    'DRM_IOCTL_MODE_OBJ_GETPROPERTIES',
    device.label,
    `cannot read the properties of object ${objectId}`,
  );
  const out = new Map<string, PropertyValue>();
  props.ids.forEach((pid, i) => {
    const p = drmCheck(
      n.getProperty(fd, pid),
      'DRM_IOCTL_MODE_GETPROPERTY',
      device.label,
      `cannot read property ${pid}`,
    );
    out.set(p.name, { id: pid, value: props.values[i]! });
  });
  return out;
}

/** A plane's properties by name, values only (what the kernel holds now: FB_ID, CRTC_X, SRC_W in 16.16, …). */
export function planeProperties(device: DrmDevice, planeId: number): Record<string, bigint> {
  assertOpenDevice('device', device);
  assertCount('planeId', planeId, 0xffffffff);
  const out: Record<string, bigint> = {};
  for (const [name, p] of objectProperties(device, planeId, DRM_MODE_OBJECT.PLANE)) out[name] = p.value;
  return out;
}
