import { InvalidArgumentError } from '@dmabuf/core';
import { describe, expect, it } from 'vitest';
import { decodeControlValue, encodeControlValue, findControl } from '../src/controls.js';
import { type ControlInfo, controlKey } from '../src/index.js';

const base = { flags: 0, readOnly: false, writeOnly: false, scalar: true, step: 1n, defaultValue: 0n };
const osd: ControlInfo = {
  ...base,
  id: 0xf0f001,
  name: 'OSD Text Mode',
  key: 'osd_text_mode',
  type: 'menu',
  minimum: 0n,
  maximum: 2n,
  menu: [
    { index: 0, name: 'All' },
    { index: 1, name: 'Counters Only' },
    { index: 2, name: 'None' },
  ],
};
const holey: ControlInfo = {
  ...osd,
  id: 0x98f904,
  name: 'Menu',
  key: 'menu',
  minimum: 1n,
  maximum: 4n,
  menu: [
    { index: 1, name: 'a' },
    { index: 3, name: 'b' },
    { index: 4, name: 'c' },
  ],
};
const brightness: ControlInfo = {
  ...base,
  id: 0x980900,
  name: 'Brightness',
  key: 'brightness',
  type: 'integer',
  minimum: 0n,
  maximum: 255n,
  step: 1n,
  defaultValue: 128n,
};
const stepped: ControlInfo = { ...brightness, key: 'stepped', step: 4n };
const flip: ControlInfo = {
  ...base,
  id: 0x980914,
  name: 'Horizontal Flip',
  key: 'horizontal_flip',
  type: 'boolean',
  minimum: 0n,
  maximum: 1n,
};
const i64: ControlInfo = {
  ...base,
  id: 0x98f903,
  name: 'Integer 64 Bits',
  key: 'integer_64_bits',
  type: 'integer64',
  minimum: -(2n ** 63n),
  maximum: 2n ** 63n - 1n,
};
const ro: ControlInfo = { ...brightness, key: 'read_only_integer_32_bits', readOnly: true };
const arr: ControlInfo = { ...brightness, key: 'u8_pixel_array', scalar: false };

describe('controls', () => {
  it('keys like v4l2-ctl', () => {
    expect(controlKey('OSD Text Mode')).toBe('osd_text_mode');
    expect(controlKey('Integer 64 Bits')).toBe('integer_64_bits');
    expect(controlKey('Limited RGB Range (16-235)')).toBe('limited_rgb_range_16_235');
  });

  it('find by key, by driver name and by id; unknown names list the controls', () => {
    const all = [osd, brightness];
    expect(findControl(all, 'osd_text_mode', 'dev')).toBe(osd);
    expect(findControl(all, 'OSD Text Mode', 'dev')).toBe(osd);
    expect(findControl(all, 0x980900, 'dev')).toBe(brightness);
    expect(() => findControl(all, 'nope', 'V4L2 /dev/video0')).toThrow(
      /has no control 'nope'.*Controls: osd_text_mode, brightness/,
    );
  });

  it('validate values before the ioctl', () => {
    expect(encodeControlValue(osd, 2, 'd')).toBe(2n);
    expect(() => encodeControlValue(osd, 3, 'd')).toThrow(InvalidArgumentError);
    expect(() => encodeControlValue(holey, 2, 'd')).toThrow(/menu indices 1 \(a\), 3 \(b\), 4 \(c\)/);
    expect(encodeControlValue(brightness, 255, 'd')).toBe(255n);
    expect(() => encodeControlValue(brightness, 256, 'd')).toThrow(/between 0 and 255/);
    expect(() => encodeControlValue(brightness, 1.5, 'd')).toThrow(InvalidArgumentError);
    expect(() => encodeControlValue(stepped, 6, 'd')).toThrow(/0 \+ n × 4/);
    expect(encodeControlValue(flip, true, 'd')).toBe(1n);
    expect(encodeControlValue(i64, 2n ** 40n, 'd')).toBe(2n ** 40n);
    expect(() => encodeControlValue(ro, 1, 'd')).toThrow(expect.objectContaining({ code: 'EACCES' }));
    expect(() => encodeControlValue(arr, 1, 'd')).toThrow(expect.objectContaining({ code: 'EOPNOTSUPP' }));
  });

  it('decode to boolean, bigint or number', () => {
    expect(decodeControlValue(flip, 1n)).toBe(true);
    expect(decodeControlValue(i64, -5n)).toBe(-5n);
    expect(decodeControlValue(osd, 2n)).toBe(2);
  });
});
