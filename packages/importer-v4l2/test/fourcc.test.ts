import { InvalidArgumentError } from '@dmabuf/core';
import { describe, expect, it } from 'vitest';
import {
  colourPlanes,
  drmFormatOf,
  fourcc,
  fourccName,
  pixelFormatInfo,
  v4l2FormatsOf,
} from '../src/index.js';

describe('fourcc', () => {
  it('encodes little-endian like v4l2_fourcc() and round-trips', () => {
    expect(fourcc('YUYV')).toBe(0x56595559);
    expect(fourcc('NV12')).toBe(0x3231564e);
    expect(fourccName(0x56595559)).toBe('YUYV');
    for (const n of ['XR24', 'NM12', 'Y16 ', 'GREY']) expect(fourccName(fourcc(n))).toBe(n);
  });

  it('carries the big-endian flag as -BE', () => {
    expect(fourcc('Y16 -BE')).toBe((fourcc('Y16 ') | 0x80000000) >>> 0);
    expect(fourccName(fourcc('XR15-BE'))).toBe('XR15-BE');
  });

  it('refuses names that are not 4 printable characters', () => {
    for (const bad of ['', 'YUY', 'YUYV2', 'YU\nV']) expect(() => fourcc(bad)).toThrow(InvalidArgumentError);
    expect(() => fourcc('YUY')).toThrow(/Expected a fourcc of 4 printable ASCII characters/);
  });
});

describe('V4L2 ↔ DRM formats', () => {
  it('maps memory layouts, not names', () => {
    expect(drmFormatOf('XR24')).toBe('XR24'); // B G R X in memory on both sides
    expect(drmFormatOf('BX24')).toBe('BX24'); // X R G B
    expect(drmFormatOf('RGB3')).toBe('BG24'); // R G B in memory is DRM BGR888
    expect(drmFormatOf('BGR3')).toBe('RG24');
    expect(drmFormatOf('RGBP')).toBe('RG16');
    expect(drmFormatOf('GREY')).toBe('R8');
    expect(drmFormatOf('NM12')).toBe('NV12');
    expect(drmFormatOf('HSV3')).toBeUndefined();
    expect(v4l2FormatsOf('XR24')).toEqual(['XR24']);
    expect(v4l2FormatsOf('YU16')).toEqual(['422P']);
    expect(drmFormatOf('NM16')).toBe('NV16');
    expect(pixelFormatInfo('YM12')?.memoryPlanes).toBe(3);
  });

  it('lays out colour planes inside one memory plane', () => {
    expect(colourPlanes('YUYV', 360, 1280, 460800)).toEqual([{ offset: 0, pitch: 1280, size: 460800 }]);
    expect(colourPlanes('NV12', 480, 640, 460800)).toEqual([
      { offset: 0, pitch: 640, size: 307200 },
      { offset: 307200, pitch: 640, size: 153600 },
    ]);
    expect(colourPlanes('YU12', 480, 640, 460800)).toEqual([
      { offset: 0, pitch: 640, size: 307200 },
      { offset: 307200, pitch: 320, size: 76800 },
      { offset: 384000, pitch: 320, size: 76800 },
    ]);
    // unknown formats and the 'M' variants are one plane of sizeimage
    expect(colourPlanes('HSV3', 10, 30, 300)).toEqual([{ offset: 0, pitch: 30, size: 300 }]);
    expect(colourPlanes('NM12', 480, 640, 307200)).toEqual([{ offset: 0, pitch: 640, size: 307200 }]);
  });
});
