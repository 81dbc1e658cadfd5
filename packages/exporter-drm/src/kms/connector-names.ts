import { assertCount } from '../check.js';

/** DRM_MODE_CONNECTOR_* → the names the kernel uses in sysfs ('HDMI-A', 'Virtual', ...). */
const NAMES = [
  'Unknown',
  'VGA',
  'DVI-I',
  'DVI-D',
  'DVI-A',
  'Composite',
  'SVIDEO',
  'LVDS',
  'Component',
  'DIN',
  'DP',
  'HDMI-A',
  'HDMI-B',
  'TV',
  'eDP',
  'Virtual',
  'DSI',
  'DPI',
  'Writeback',
  'SPI',
  'USB',
];

/** 'Virtual-1' for connector type 15, type id 1. */
export function connectorName(type: number, typeId: number): string {
  assertCount('type', type, 0xffffffff);
  assertCount('typeId', typeId, 0xffffffff);
  return `${NAMES[type] ?? `Type${type}`}-${typeId}`;
}

/** A connector's state: whether a display is plugged in (`unknown` when the driver cannot tell). */
export type Connection = 'connected' | 'disconnected' | 'unknown';

export function connectionOf(raw: number): Connection {
  return raw === 1 ? 'connected' : raw === 2 ? 'disconnected' : 'unknown';
}
