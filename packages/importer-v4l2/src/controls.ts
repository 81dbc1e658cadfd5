import { DmaBufError, ERRNO, invalidArgument } from '@dmabuf/core';
import { check } from '@dmabuf/core/driver';
import { CTRL_FLAG, CTRL_TYPE } from './constants.js';
import { type RawExtCtrl, v4l2 } from './native.js';

/** A control's type (V4L2_CTRL_TYPE_*), by name. */
export type ControlType =
  | 'integer'
  | 'boolean'
  | 'menu'
  | 'button'
  | 'integer64'
  | 'string'
  | 'bitmask'
  | 'integer-menu'
  | 'compound';

const TYPE_NAMES: Record<number, ControlType> = {
  [CTRL_TYPE.INTEGER]: 'integer',
  [CTRL_TYPE.BOOLEAN]: 'boolean',
  [CTRL_TYPE.MENU]: 'menu',
  [CTRL_TYPE.BUTTON]: 'button',
  [CTRL_TYPE.INTEGER64]: 'integer64',
  [CTRL_TYPE.STRING]: 'string',
  [CTRL_TYPE.BITMASK]: 'bitmask',
  [CTRL_TYPE.INTEGER_MENU]: 'integer-menu',
};

/** One item of a menu control (QUERYMENU). */
export interface MenuItem {
  /** The item's index: the value to set the control to. */
  index: number;
  /** The item's name (menus) or its value as text (integer menus). */
  name: string;
  /** For integer menus: the value; for menus: undefined. */
  value?: bigint;
}

/** A control as QUERY_EXT_CTRL describes it. */
export interface ControlInfo {
  /** The control id (V4L2_CID_*). */
  id: number;
  /** As the driver names it: 'OSD Text Mode'. */
  name: string;
  /** The name as v4l2-ctl spells it: 'osd_text_mode'. */
  key: string;
  /** What values it takes (see ControlType); 'compound' for array and structure controls. */
  type: ControlType;
  /** The smallest value (for menus: the first valid index). */
  minimum: bigint;
  /** The largest value (for menus: the last valid index; for strings: the longest length). */
  maximum: bigint;
  /** Values go from minimum in steps of this (1 when any value in range works). */
  step: bigint;
  /** The value the driver starts with. */
  defaultValue: bigint;
  /** V4L2_CTRL_FLAG_* bits as the driver reports them (see readOnly, writeOnly). */
  flags: number;
  /** setControl() refuses it (EACCES). */
  readOnly: boolean;
  /** The driver says it can only be written (V4L2_CTRL_FLAG_WRITE_ONLY): what reading it gives means nothing. */
  writeOnly: boolean;
  /** Scalar controls are what getControl/setControl handle. */
  scalar: boolean;
  /**
   * The items of a menu or integer-menu control (indices the driver skips are left out); undefined for other
   * types.
   */
  menu?: MenuItem[];
}

/** A control's value: a number, a 64-bit integer or a boolean. */
export type ControlValue = number | bigint | boolean;

/** 'OSD Text Mode' → 'osd_text_mode' (lower case, runs of other characters → '_'). */
export function controlKey(name: string): string {
  if (typeof name !== 'string') throw invalidArgument('name', "a control's name", name);
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

function toInfo(fd: number, raw: RawExtCtrl): ControlInfo {
  const type = TYPE_NAMES[raw.type] ?? 'compound';
  const scalar = type !== 'compound' && type !== 'string' && (raw.flags & CTRL_FLAG.HAS_PAYLOAD) === 0;
  const info: ControlInfo = {
    id: raw.id,
    name: raw.name,
    key: controlKey(raw.name),
    type,
    minimum: raw.minimum,
    maximum: raw.maximum,
    step: raw.step,
    defaultValue: raw.defaultValue,
    flags: raw.flags,
    readOnly: (raw.flags & CTRL_FLAG.READ_ONLY) !== 0,
    writeOnly: (raw.flags & CTRL_FLAG.WRITE_ONLY) !== 0,
    scalar,
  };
  if (type === 'menu' || type === 'integer-menu') {
    info.menu = [];
    for (let i = Number(raw.minimum); i <= Number(raw.maximum); i++) {
      const m = v4l2().queryMenu(fd, raw.id, i);
      if (typeof m === 'number') continue; // a hole in the menu (EINVAL)
      info.menu.push(
        type === 'menu' ? { index: i, name: m.name } : { index: i, name: String(m.value), value: m.value },
      );
    }
  }
  return info;
}

/** Every control of a device (class headers left out), in driver order. */
export function listControls(fd: number, device: string): ControlInfo[] {
  const out: ControlInfo[] = [];
  let id = 0;
  for (;;) {
    const raw = v4l2().queryExtCtrl(fd, (id | CTRL_FLAG.NEXT_CTRL) >>> 0);
    if (raw === -ERRNO.EINVAL) break;
    const r = check(raw, 'ioctl(VIDIOC_QUERY_EXT_CTRL)', `${device}: cannot list controls`);
    id = r.id;
    if (r.type === CTRL_TYPE.CTRL_CLASS || (r.flags & CTRL_FLAG.DISABLED) !== 0) continue;
    out.push(toInfo(fd, r));
  }
  return out;
}

/** One control by id, or by name / key ('osd_text_mode', 'OSD Text Mode'). */
export function findControl(
  controls: readonly ControlInfo[],
  which: string | number,
  device: string,
): ControlInfo {
  const found =
    typeof which === 'number'
      ? controls.find((c) => c.id === which)
      : controls.find((c) => c.key === controlKey(which) || c.name === which);
  if (!found) {
    throw new DmaBufError(
      `${device} has no control ${typeof which === 'number' ? `0x${which.toString(16)}` : `'${which}'`}`,
      {
        code: 'EINVAL',
        hint: `Controls: ${controls.map((c) => c.key).join(', ') || '(none)'}`,
      },
    );
  }
  return found;
}

/** Validate a value for a control and turn it into what the ioctl takes. */
export function encodeControlValue(c: ControlInfo, value: ControlValue, device: string): bigint {
  if (!c.scalar) {
    throw new DmaBufError(
      `${device}: control '${c.key}' is a ${c.type} with a payload; only scalar controls are supported`,
      {
        code: 'EOPNOTSUPP',
        hint: 'Use v4l2-ctl for array, string and compound controls',
      },
    );
  }
  if (c.readOnly) {
    throw new DmaBufError(`${device}: control '${c.key}' is read-only`, {
      code: 'EACCES',
      hint: 'Read it with getControl()',
    });
  }
  let v: bigint;
  if (typeof value === 'boolean') v = value ? 1n : 0n;
  else if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
  else throw invalidArgument(`control '${c.key}'`, 'an integer, a bigint or a boolean', value);
  if (c.type === 'button') return 1n;
  if (c.type === 'bitmask') {
    const max = BigInt.asUintN(32, c.maximum);
    if (v < 0n || (v & ~max) !== 0n)
      throw invalidArgument(`control '${c.key}'`, `a bitmask within 0x${max.toString(16)}`, value);
    return v;
  }
  if (v < c.minimum || v > c.maximum) {
    throw invalidArgument(`control '${c.key}'`, `a value between ${c.minimum} and ${c.maximum}`, value);
  }
  if (c.menu) {
    if (!c.menu.some((m) => BigInt(m.index) === v)) {
      throw invalidArgument(
        `control '${c.key}'`,
        `one of the menu indices ${c.menu.map((m) => `${m.index} (${m.name})`).join(', ')}`,
        value,
      );
    }
  } else if (c.step > 1n && (v - c.minimum) % c.step !== 0n) {
    throw invalidArgument(`control '${c.key}'`, `a value of ${c.minimum} + n × ${c.step}`, value);
  }
  return v;
}

/** A control's value as JS: boolean for booleans, bigint for 64-bit integers, number otherwise. */
export function decodeControlValue(c: ControlInfo, raw: bigint): ControlValue {
  if (c.type === 'boolean') return raw !== 0n;
  if (c.type === 'integer64') return raw;
  if (c.type === 'bitmask') return Number(BigInt.asUintN(32, raw));
  return Number(raw);
}

export function is64(c: ControlInfo): boolean {
  return c.type === 'integer64';
}
