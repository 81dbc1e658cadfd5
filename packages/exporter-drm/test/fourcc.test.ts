import { DmaBufError } from '@dmabuf/core';
import { describe, expect, it } from 'vitest';
import { formatInfo, fourccCode, fourccName, knownFormats, planeGeometry } from '../src/index.js';

describe('fourcc', () => {
  it('codes match drm_fourcc.h', () => {
    expect(fourccCode('XR24')).toBe(0x34325258);
    expect(fourccCode('NV12')).toBe(0x3231564e);
    expect(fourccCode('R8')).toBe(0x20203852);
    expect(fourccName(0x34325258)).toBe('XR24');
    expect(fourccName(0x34325258 | 0x80000000)).toBe('XR24|BE');
  });

  it('round-trips every known format and finds them by kernel name too', () => {
    for (const f of knownFormats()) expect(fourccName(fourccCode(f)).trimEnd()).toBe(f);
    expect(formatInfo('XRGB8888')?.fourcc).toBe('XR24');
    expect(formatInfo('R8')?.planes[0]?.blockBytes).toBe(1);
    expect(knownFormats()).toEqual(expect.arrayContaining(['NV16', 'NV61', 'YU12', 'YV12', 'YVYU']));
    expect(formatInfo('ZZZZ')).toBeUndefined();
  });

  it('rejects a fourcc that is not 1-4 printable characters', () => {
    expect(() => fourccCode('XRGB8888')).toThrow(DmaBufError);
    expect(() => fourccCode('')).toThrow(/DRM fourcc/);
  });

  it('lays out NV12 with a chroma plane of half the rows and the same pitch', () => {
    const g = planeGeometry(formatInfo('NV12')!, 640, 480, 640);
    expect(g).toEqual([
      { pitch: 640, rows: 480, minPitch: 640 },
      { pitch: 640, rows: 240, minPitch: 640 },
    ]);
    expect(planeGeometry(formatInfo('XR24')!, 33, 2, 192)[0]).toEqual({ pitch: 192, rows: 2, minPitch: 132 });
    expect(planeGeometry(formatInfo('YU12')!, 640, 480, 640).map((g) => g.pitch)).toEqual([640, 320, 320]);
  });
});
