import { describe, expect, it } from 'vitest';
import {
  chooseModifier,
  computeLayout,
  drmFourccOfV4l2,
  fourccChars,
  fourccCode,
  imagePlanes,
  MOD_LINEAR,
  mergeConstraints,
  NegotiationError,
  PIXEL_FORMATS,
  PixelFormatError,
  pixelFormat,
  requirePixelFormat,
  v4l2Format,
  v4l2FourccsOf,
} from '../src/index.js';
import { refusalOf } from '../src/testing/index.js';

/** Bits per pixel over all planes, from drm_fourcc.h's comments (independent of the table). */
const BITS: Record<string, number> = {
  XR24: 32, AR24: 32, XB24: 32, AB24: 32, RX24: 32, RA24: 32, BX24: 32, BA24: 32, XR30: 32,
  RG24: 24, BG24: 24, RG16: 16, XR15: 16, AR15: 16, R8: 8, GR88: 16,
  YUYV: 16, YVYU: 16, UYVY: 16, VYUY: 16,
  NV12: 12, NV21: 12, NV16: 16, NV61: 16, NV24: 24, NV42: 24,
  YU12: 12, YV12: 12, YU16: 16, YV16: 16, YU24: 24,
  YV24: 24,
}; // biome-ignore format: a table

const req = (r: object) => ({ constraints: {}, options: {}, ...r });

describe('the format table', () => {
  it('holds every format cameras and displays commonly use, each once', () => {
    const names = PIXEL_FORMATS.map((f) => f.fourcc);
    expect(new Set(names).size).toBe(names.length);
    for (const f of ['XR24', 'AR24', 'XB24', 'AB24', 'RG16', 'RG24', 'BG24', 'YUYV', 'UYVY', 'YVYU'])
      expect(names).toContain(f);
    for (const f of ['NV12', 'NV21', 'NV16', 'NV61', 'YU12', 'YV12']) expect(names).toContain(f);
    expect(Object.keys(BITS).sort()).toEqual([...names].sort());
  });

  it('every entry is consistent: code, planes, subsampling, bits per pixel', () => {
    for (const f of PIXEL_FORMATS) {
      expect(fourccChars(f.code).trimEnd(), f.fourcc).toBe(f.fourcc);
      expect(fourccCode(f.fourcc)).toBe(f.code);
      expect(f.planes.length).toBeGreaterThanOrEqual(1);
      expect(f.planes.length).toBeLessThanOrEqual(3);
      const bits = f.planes.reduce((s, p) => s + (p.blockBytes * 8) / p.blockWidth / p.vsub, 0);
      expect(bits, f.fourcc).toBe(BITS[f.fourcc]);
      expect(f.planes[0]!.vsub, `${f.fourcc}: luma/first plane is not subsampled vertically`).toBe(1);
      if (f.planes.length > 1) {
        expect(f.yuv).toBe(true);
        for (const p of f.planes.slice(1)) {
          expect(p.blockWidth).toBe(f.hsub);
          expect(p.vsub).toBe(f.vsub);
        }
      }
      if (!f.yuv) expect([f.hsub, f.vsub]).toEqual([1, 1]);
      if (f.v4l2Mplane)
        expect(f.planes.length, `${f.fourcc}: an mplane variant needs planes`).toBeGreaterThan(1);
    }
  });

  it('DRM ↔ V4L2 round trips: each V4L2 fourcc maps to one DRM format that lists it back', () => {
    const seen = new Set<string>();
    for (const f of PIXEL_FORMATS) {
      for (const v of [...f.v4l2, ...(f.v4l2Mplane ? [f.v4l2Mplane] : [])]) {
        expect(seen.has(v), `${v} listed twice`).toBe(false);
        seen.add(v);
        expect(drmFourccOfV4l2(v)).toBe(f.fourcc);
      }
      if (f.v4l2.length) {
        const [first] = v4l2FourccsOf(f.fourcc);
        expect(drmFourccOfV4l2(first!)).toBe(f.fourcc);
      }
      if (f.v4l2Mplane) {
        expect(v4l2FourccsOf(f.fourcc, { mplane: true })).toContain(f.v4l2Mplane);
        expect(v4l2Format(f.v4l2Mplane)?.memoryPlanes).toBe(f.planes.length);
      }
    }
    // V4L2 names memory bytes, DRM the little-endian word:
    expect(drmFourccOfV4l2('RGB3')).toBe('BG24');
    expect(drmFourccOfV4l2('BGR3')).toBe('RG24');
    expect(drmFourccOfV4l2('RGBP')).toBe('RG16');
    expect(drmFourccOfV4l2('GREY')).toBe('R8');
    expect(drmFourccOfV4l2('YM12')).toBe('YU12');
    expect(v4l2Format('NV12')?.memoryPlanes).toBe(1);
    expect(v4l2Format('NM12')?.memoryPlanes).toBe(2);
    expect(v4l2Format('ZZZZ')).toBeUndefined();
  });

  it('finds formats by fourcc, padded fourcc or drm_fourcc.h name', () => {
    expect(pixelFormat('R8  ')?.fourcc).toBe('R8');
    expect(pixelFormat('XRGB8888')?.fourcc).toBe('XR24');
    expect(pixelFormat('YUV420')?.fourcc).toBe('YU12');
    expect(pixelFormat('nope')).toBeUndefined();
    expect(() => requirePixelFormat('NV99', 'exporter x', ['NV12'])).toThrow(PixelFormatError);
    try {
      requirePixelFormat('NV16', 'exporter x', ['NV12', 'XR24']);
    } catch (e) {
      expect(e).toMatchObject({ code: 'EINVAL', format: 'NV16', available: ['NV12', 'XR24'] });
      expect(String(e)).toMatch(/exporter x cannot lay out format 'NV16'.*Use one of NV12, XR24/);
    }
  });
});

describe('layouts from the table', () => {
  it('every format at 640x480 has V4L2 sizes (bytesperline = width × first plane bytes, sizeimage = bits × pixels)', () => {
    for (const f of PIXEL_FORMATS) {
      const l = computeLayout('t', req({ width: 640, height: 480, format: f.fourcc }), 1);
      const bpl0 = (640 / f.planes[0]!.blockWidth) * f.planes[0]!.blockBytes;
      expect(l.planes[0]!.pitch, f.fourcc).toBe(bpl0);
      expect(l.size, f.fourcc).toBe((640 * 480 * BITS[f.fourcc]!) / 8);
      expect(l.format).toBe(f.fourcc);
      expect(l.modifier).toBe(0n);
      expect(l.modifierReason).toMatch(/^LINEAR: the default/);
      // planes one after another
      let off = 0;
      for (const p of l.planes) {
        expect(p.offset).toBe(off);
        off += p.size;
      }
    }
  });

  it("YU12's chroma pitch is half the luma's; a pitch alignment keeps both aligned", () => {
    const l = computeLayout('t', req({ width: 100, height: 10, format: 'YU12' }), 1);
    expect(l.planes.map((p) => p.pitch)).toEqual([100, 50, 50]);
    const a = computeLayout(
      't',
      req({ width: 100, height: 10, format: 'YU12', constraints: { pitchAlignment: 64 } }),
      1,
    );
    expect(a.planes.map((p) => p.pitch)).toEqual([128, 64, 64]);
    // odd width: whole chroma samples (ceil), luma pitch even so chroma = luma / 2
    const odd = computeLayout('t', req({ width: 101, height: 11, format: 'YU12' }), 1);
    expect(odd.planes.map((p) => [p.pitch, p.size])).toEqual([
      [102, 102 * 11],
      [51, 51 * 6],
      [51, 51 * 6],
    ]);
  });

  it('an exact device pitch for plane 0 carries to the chroma planes by ratio', () => {
    const nv = computeLayout(
      't',
      req({ width: 640, height: 480, format: 'NV12', constraints: { pitches: [768] } }),
      1,
    );
    expect(nv.planes).toEqual([
      { offset: 0, pitch: 768, size: 768 * 480 },
      { offset: 768 * 480, pitch: 768, size: 768 * 240 },
    ]);
  });

  it('height alignment pads rows of every plane', () => {
    const l = computeLayout(
      't',
      req({ width: 64, height: 100, format: 'NV12', constraints: { heightAlignment: 32 } }),
      1,
    );
    expect(l.planes).toEqual([
      { offset: 0, pitch: 64, size: 64 * 128 },
      { offset: 64 * 128, pitch: 64, size: 64 * 64 },
    ]);
  });

  it('imagePlanes: an exact pitch that breaks the alignment is refused with both numbers', () => {
    const f = pixelFormat('XR24')!;
    expect(() => imagePlanes(f, 100, 4, { pitches: [400], pitchAlignment: 256 }, 'dev')).toThrow(
      /exactly 400 bytes and pitches aligned to 256/,
    );
  });

  it('refuses a format the attached devices do not take, naming both', () => {
    expect(() =>
      computeLayout(
        'udmabuf',
        req({ width: 64, height: 64, format: 'NV16', constraints: { formats: [{ format: 'NV12' }] } }),
      ),
    ).toThrow(/take formats NV12, the export asks for NV16/);
  });

  it('refuses an unknown format with the table in the hint', () => {
    const e = refusalOf(
      () => computeLayout('udmabuf', req({ width: 64, height: 64, format: 'Q123' })),
      PixelFormatError,
    );
    expect(String(e)).toMatch(/udmabuf cannot lay out format 'Q123'.*NV16/);
  });
});

describe('modifiers', () => {
  const tiled = 0x0100000000000001n;
  it('LINEAR is the default, and said why', () => {
    expect(chooseModifier('NV12', {}, 'udmabuf')).toEqual({
      modifier: MOD_LINEAR,
      reason: expect.stringMatching(
        /^LINEAR: the default \(no attached device asked.*udmabuf lays out \[LINEAR\]/,
      ),
    });
    const both = chooseModifier('NV12', { formats: [{ format: 'NV12', modifiers: [tiled, 0n] }] }, 'udmabuf');
    expect(both.modifier).toBe(0n);
    expect(both.reason).toMatch(/take NV12 with \[I915_X_TILED, LINEAR\] and udmabuf lays out \[LINEAR\]/);
  });

  it('a device that takes only a tiled layout: refused, both lists named', () => {
    expect(() =>
      computeLayout(
        'udmabuf',
        req({
          width: 64,
          height: 64,
          format: 'XR24',
          constraints: { formats: [{ format: 'XR24', modifiers: [tiled] }] },
        }),
      ),
    ).toThrow(/take XR24 with modifiers \[I915_X_TILED\], udmabuf lays out \[LINEAR\]: none in common/);
  });

  it('negotiation: modifiers intersect; an exact pitch against an alignment names both parties', () => {
    const m = mergeConstraints([
      { label: 'gpu', constraints: { formats: [{ format: 'XR24', modifiers: [tiled, 0n] }] } },
      {
        label: 'display',
        constraints: { formats: [{ format: 'XRGB8888', modifiers: [0n] }], heightAlignment: 16 },
      },
      { label: 'codec', constraints: { heightAlignment: 32 } },
    ]);
    expect(m.formats).toEqual([{ format: 'XR24', modifiers: [0n] }]);
    expect(m.heightAlignment).toBe(32);
    expect(() =>
      mergeConstraints([
        { label: 'V4L2 /dev/video0', constraints: { pitches: [1280] } },
        { label: 'encoder', constraints: { pitchAlignment: 512 } },
      ]),
    ).toThrow(NegotiationError);
    expect(() =>
      mergeConstraints([
        { label: 'encoder', constraints: { pitchAlignment: 512 } },
        { label: 'V4L2 /dev/video0', constraints: { pitches: [1280] } },
      ]),
    ).toThrow(
      /V4L2 \/dev\/video0 needs a pitch of exactly 1280 bytes for plane 0, encoder needs pitches aligned to 512/,
    );
  });
});
