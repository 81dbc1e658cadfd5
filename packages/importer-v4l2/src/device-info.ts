import { decodeCapabilities } from './capabilities.js';
import type { QueueKind } from './constants.js';
import type { RawCapability } from './native.js';

/** QUERYCAP, decoded. */
export interface DeviceInfo {
  /** The device node, e.g. '/dev/video0'. */
  path: string;
  /** The driver's name (VIDIOC_QUERYCAP), e.g. 'vivid', 'uvcvideo', 'vim2m'. */
  driver: string;
  /** The device's name as the driver gives it, e.g. 'vivid' or a camera's model. */
  card: string;
  /**
   * Where the device sits, e.g. 'platform:vivid-000' or 'usb-0000:00:14.0-1': tells two alike devices apart.
   */
  busInfo: string;
  /** Kernel version the driver reports, e.g. '6.12.117'. */
  version: string;
  /** Capabilities of the whole physical device. */
  capabilities: string[];
  /** Capabilities of this node (what you can do through this path). */
  deviceCaps: string[];
  /** The video queues this node has. */
  queues: QueueKind[];
}

export function deviceInfo(path: string, raw: RawCapability): DeviceInfo {
  const caps = raw.capabilities >>> 0;
  const nodeBits = (caps & 0x80000000) !== 0 ? raw.deviceCaps >>> 0 : caps;
  const deviceCaps = decodeCapabilities(nodeBits);
  const queues: QueueKind[] = [];
  const has = (n: string) => deviceCaps.includes(n);
  if (has('video-capture') || has('video-m2m')) queues.push('capture');
  if (has('video-output') || has('video-m2m')) queues.push('output');
  if (has('video-capture-mplane') || has('video-m2m-mplane')) queues.push('capture-mplane');
  if (has('video-output-mplane') || has('video-m2m-mplane')) queues.push('output-mplane');
  const v = raw.version;
  return {
    path,
    driver: raw.driver,
    card: raw.card,
    busInfo: raw.busInfo,
    version: `${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`,
    capabilities: decodeCapabilities(caps),
    deviceCaps,
    queues,
  };
}
