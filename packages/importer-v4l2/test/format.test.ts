import { InvalidArgumentError } from '@dmabuf/core';
import { describe, expect, it } from 'vitest';
import { formatToRaw } from '../src/format.js';
import { describeFormat, fourcc } from '../src/index.js';
import { vividYuyv } from './vivid-formats.js';

const current = vividYuyv;

describe('format requests', () => {
  it('merge over the current format; a new geometry lets the driver recompute sizes', () => {
    const raw = formatToRaw(current, { width: 320, height: 180, pixelformat: 'XR24' });
    expect(raw).toMatchObject({
      width: 320,
      height: 180,
      pixelformat: fourcc('XR24'),
      field: 0,
      planes: [{ bytesperline: 0, sizeimage: 0 }],
    });
    expect(formatToRaw(current, {})).toMatchObject({
      width: 640,
      height: 360,
      field: 1,
      planes: [{ bytesperline: 1280, sizeimage: 460800 }],
    });
  });

  it('validate every field with a typed error', () => {
    expect(() => formatToRaw(current, { width: 0 })).toThrow(InvalidArgumentError);
    expect(() => formatToRaw(current, { height: 1.5 })).toThrow(/format.height/);
    expect(() => formatToRaw(current, { pixelformat: 'TOOLONG' })).toThrow(/fourcc/);
    expect(() => formatToRaw(current, { planes: [{ sizeimage: -1 }] })).toThrow(
      /format.planes\[0\].sizeimage/,
    );
    // @ts-expect-error wrong type on purpose
    expect(() => formatToRaw(current, null)).toThrow(InvalidArgumentError);
  });

  it('describes itself for messages', () => {
    expect(describeFormat(current)).toBe('640x360 YUYV (1 plane: 1280 B/line, 460800 B)');
  });
});
