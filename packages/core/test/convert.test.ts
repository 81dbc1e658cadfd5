import { describe, expect, it } from 'vitest';
import {
  CONVERT_FORMATS,
  type ConvertFormat,
  convertLayout,
  convertToXrgb,
  convertToXrgbAsync,
  DmaBufError,
} from '../src/index.js';

/** The BT.601 limited-range formula, pixel by pixel: the reference the native routine must match exactly. */
function reference(y: number, u: number, v: number): number {
  const c = 298 * (y - 16);
  const d = u - 128;
  const e = v - 128;
  const cl = (x: number) => Math.max(0, Math.min(255, x >> 8));
  const r = cl(c + 409 * e + 128);
  const g = cl(c - 100 * d - 208 * e + 128);
  const b = cl(c + 516 * d + 128);
  return ((r << 16) | (g << 8) | b) >>> 0;
}

/** Y, U, V of pixel (x, y) of a source laid out as convertLayout says. */
function sample(
  src: Uint8Array,
  f: ConvertFormat,
  pitches: number[],
  offsets: number[],
  x: number,
  y: number,
) {
  if (f === 'YUYV' || f === 'UYVY') {
    const at = offsets[0]! + y * pitches[0]! + (x >> 1) * 4;
    const [y0, u, y1, v] = f === 'YUYV' ? [0, 1, 2, 3] : [1, 0, 3, 2];
    return [src[at + (x & 1 ? y1! : y0!)]!, src[at + u!]!, src[at + v!]!];
  }
  const Y = src[offsets[0]! + y * pitches[0]! + x]!;
  if (f === 'NV12') {
    const at = offsets[1]! + (y >> 1) * pitches[1]! + (x >> 1) * 2;
    return [Y, src[at]!, src[at + 1]!];
  }
  const at = (p: number) => offsets[p]! + (y >> 1) * pitches[p]! + (x >> 1);
  return [Y, src[at(1)]!, src[at(2)]!];
}

function random(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

describe('convertToXrgb (native)', () => {
  it.each(CONVERT_FORMATS)(
    '%s → XR24 matches the BT.601 formula at every pixel (odd sizes, padded pitches)',
    (f) => {
      for (const [w, h, pad] of [
        [64, 48, 0],
        [37, 21, 24],
      ] as const) {
        const tight = convertLayout({ format: f, width: w, height: h });
        const pitches = tight.pitches.map((p) => p + pad);
        const layout = convertLayout({ format: f, width: w, height: h, pitches });
        const src = random(layout.size, w * h);
        const dstPitch = w * 4 + 16;
        const dst = new Uint8Array(dstPitch * h);
        convertToXrgb(src, { format: f, width: w, height: h, pitches }, dst, dstPitch);
        const out = new Uint32Array(dst.buffer);
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const [Y, U, V] = sample(src, f, layout.pitches, layout.offsets, x, y);
            const got = out[(y * dstPitch) / 4 + x]!;
            if (got !== reference(Y!, U!, V!))
              expect(`(${x},${y}) 0x${got.toString(16)}`).toBe(`0x${reference(Y!, U!, V!).toString(16)}`);
          }
        // Nothing written past each row's width × 4 bytes.
        for (let y = 0; y < h; y++)
          expect(dst.subarray(y * dstPitch + w * 4, (y + 1) * dstPitch).every((b) => b === 0)).toBe(true);
      }
    },
  );

  it('limited-range white, black and the 75% bars come out as expected', () => {
    const yuyv = new Uint8Array([235, 128, 235, 128, 16, 128, 16, 128]);
    const dst = new Uint8Array(16);
    convertToXrgb(yuyv, { format: 'YUYV', width: 4, height: 1 }, dst);
    expect([...new Uint32Array(dst.buffer)].map((v) => v.toString(16))).toEqual([
      'ffffff',
      'ffffff',
      '0',
      '0',
    ]);
  });

  it('refuses what does not fit, naming both numbers, before touching memory', () => {
    const dst = new Uint8Array(64 * 48 * 4);
    expect(() => convertToXrgb(new Uint8Array(100), { format: 'NV12', width: 64, height: 48 }, dst)).toThrow(
      /a 64x48 NV12 picture \(pitches 64\/64, offsets 0\/3072\) needs 4608 bytes, the source has 100/,
    );
    expect(() =>
      convertToXrgb(new Uint8Array(6144), { format: 'YUYV', width: 64, height: 48 }, new Uint8Array(10)),
    ).toThrow(DmaBufError);
    expect(() =>
      convertToXrgb(new Uint8Array(6144), { format: 'RGBP' as never, width: 64, height: 48 }, dst),
    ).toThrow(/one of YUYV, UYVY, NV12, YU12 for source.format/);
    expect(() =>
      convertToXrgb(new Uint8Array(6144), { format: 'YUYV', width: 64, height: 48 }, dst, 100),
    ).toThrow(/dstPitch/);
    expect(() =>
      convertToXrgb(
        new Uint8Array(99999),
        { format: 'YU12', width: 64, height: 48, pitches: [64, 32, 40] },
        dst,
      ),
    ).toThrow(/the same pitch for the U and V planes/);
  });

  it('convertToXrgbAsync: the same bytes, computed on a pool thread; refusals before anything runs', async () => {
    const [w, h] = [640, 480];
    for (const f of CONVERT_FORMATS) {
      const layout = convertLayout({ format: f, width: w, height: h });
      const src = random(layout.size, 7);
      const sync = new Uint8Array(w * h * 4);
      const async = new Uint8Array(w * h * 4);
      convertToXrgb(src, { format: f, width: w, height: h }, sync);
      const done = convertToXrgbAsync(src, { format: f, width: w, height: h }, async);
      expect(done).toBeInstanceOf(Promise);
      await done;
      expect(Buffer.compare(Buffer.from(async), Buffer.from(sync))).toBe(0);
    }
    await expect(
      convertToXrgbAsync(
        new Uint8Array(100),
        { format: 'NV12', width: 64, height: 48 },
        new Uint8Array(64 * 48 * 4),
      ),
    ).rejects.toThrow(/needs 4608 bytes, the source has 100/);
  });
});
