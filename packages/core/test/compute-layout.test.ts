import { describe, expect, it } from 'vitest';
import { computeLayout, DmaBufError } from '../src/index.js';

const req = (r: object) => ({ constraints: {}, options: {}, ...r });

describe('computeLayout', () => {
  it('rounds a plain size up to the page', () => {
    expect(computeLayout('t', req({ size: 5000 }))).toEqual({
      size: 8192,
      planes: [{ offset: 0, pitch: 0, size: 8192 }],
    });
  });

  it('honours minSize, minPlaneSizes and alignment of the attached devices', () => {
    expect(computeLayout('t', req({ constraints: { minSize: 10_000, alignment: 16384 } })).size).toBe(16384);
    expect(computeLayout('t', req({ constraints: { minPlaneSizes: [9000] } })).size).toBe(12288);
  });

  it('lays out a 1080p XR24 image, and NV12 with two planes', () => {
    const l = computeLayout('t', req({ width: 1920, height: 1080, format: 'XR24' }));
    expect(l.planes).toEqual([{ offset: 0, pitch: 7680, size: 7680 * 1080 }]);
    expect(l.size % 4096).toBe(0);
    const nv = computeLayout(
      't',
      req({ width: 640, height: 480, format: 'NV12', constraints: { pitchAlignment: 128 } }),
    );
    expect(nv.planes).toEqual([
      { offset: 0, pitch: 640, size: 640 * 480 },
      { offset: 640 * 480, pitch: 640, size: 640 * 240 },
    ]);
  });

  it('uses a device pitch and refuses one that is too small', () => {
    expect(
      computeLayout('t', req({ width: 100, height: 2, format: 'XR24', constraints: { pitches: [512] } }))
        .planes[0]!.pitch,
    ).toBe(512);
    expect(() =>
      computeLayout('t', req({ width: 100, height: 2, format: 'XR24', constraints: { pitches: [256] } })),
    ).toThrow(/pitch of 256 bytes is too small/);
  });

  it('refuses an unknown format and a request with no size', () => {
    expect(() => computeLayout('t', req({ width: 4, height: 4, format: 'ZZZZ' }))).toThrow(DmaBufError);
    expect(() => computeLayout('t', req({}))).toThrow(/nothing says how big/);
    expect(() => computeLayout('t', req({ width: 4 }))).toThrow(/both width and height/);
  });
});
