// What vim2m does to pixels (drivers/media/test-drivers/vim2m.c, device_process
// and copy_two_pixels), at equal input and output sizes: read RGB, write the
// capture format, optionally mirrored. The test compares the device's output
// with this byte for byte.

export type Vim2mIn = 'RGB3' | 'BGR3' | 'RGBP' | 'RGBR';
export type Vim2mOut = Vim2mIn | 'YUYV';

const DEPTH: Record<Vim2mOut, number> = { RGB3: 3, BGR3: 3, RGBP: 2, RGBR: 2, YUYV: 2 };

function readRgb(src: Uint8Array, o: number, fmt: Vim2mIn): [number, number, number] {
  switch (fmt) {
    case 'RGB3':
      return [src[o]!, src[o + 1]!, src[o + 2]!];
    case 'BGR3':
      return [src[o + 2]!, src[o + 1]!, src[o]!];
    case 'RGBP':
    case 'RGBR': {
      const pix = fmt === 'RGBP' ? src[o]! | (src[o + 1]! << 8) : (src[o]! << 8) | src[o + 1]!;
      return [(((pix & 0xf800) >> 11) << 3) | 7, (((pix & 0x07e0) >> 5) << 2) | 3, ((pix & 0x1f) << 3) | 7];
    }
  }
}

/** RGB565 (little-endian, 'RGBP') of an 8-bit RGB triple, as vim2m packs it. */
export function rgb565(r: number, g: number, b: number): number {
  return ((r << 8) & 0xf800) | ((g << 3) & 0x07e0) | (b >> 3);
}

/** vim2m's output for `src` (width x height, packed lines). */
export function vim2mConvert(
  src: Uint8Array,
  width: number,
  height: number,
  from: Vim2mIn,
  to: Vim2mOut,
  flip: { h?: boolean; v?: boolean } = {},
): Uint8Array {
  const inD = DEPTH[from];
  const outD = DEPTH[to];
  const out = new Uint8Array(width * height * outD);
  for (let y = 0; y < height; y++) {
    const sy = flip.v ? height - 1 - y : y;
    for (let x = 0; x < width; x += 2) {
      const px = [0, 1].map((i) => {
        const sx = flip.h ? width - 1 - (x + i) : x + i;
        return sy * width * inD + sx * inD;
      });
      const o = (y * width + x) * outD;
      if (from === to) {
        // the fast path copies bytes as they are
        for (let i = 0; i < 2; i++) out.set(src.subarray(px[i]!, px[i]! + inD), o + i * outD);
        continue;
      }
      const rgb = px.map((p) => readRgb(src, p, from));
      if (to === 'YUYV') {
        const [r, g, b] = rgb[0]!;
        const [r1, g1, b1] = rgb[1]!;
        out[o] = ((8453 * r + 16594 * g + 3223 * b + 524288) >> 15) & 0xff;
        out[o + 1] = ((-4878 * r - 9578 * g + 14456 * b + 4210688) >> 15) & 0xff;
        out[o + 2] = ((8453 * r1 + 16594 * g1 + 3223 * b1 + 524288) >> 15) & 0xff;
        out[o + 3] = ((14456 * r - 12105 * g - 2351 * b + 4210688) >> 15) & 0xff;
        continue;
      }
      for (let i = 0; i < 2; i++) {
        const [r, g, b] = rgb[i]!;
        const d = o + i * outD;
        if (to === 'RGB3') out.set([r, g, b], d);
        else if (to === 'BGR3') out.set([b, g, r], d);
        else {
          const pix = rgb565(r, g, b);
          if (to === 'RGBP') out.set([pix & 0xff, pix >> 8], d);
          else out.set([pix >> 8, pix & 0xff], d);
        }
      }
    }
  }
  return out;
}

/** Where two images first differ, for a readable failure ('' when equal). */
export function firstDifference(got: Uint8Array, want: Uint8Array, pitch: number): string {
  const n = Math.min(got.length, want.length);
  for (let i = 0; i < n; i++) {
    if (got[i] !== want[i]) {
      const y = Math.floor(i / pitch);
      return `byte ${i} (row ${y}, byte ${i - y * pitch} of the line): got ${[...got.subarray(i, i + 8)]}, want ${[...want.subarray(i, i + 8)]}`;
    }
  }
  return got.length === want.length ? '' : `length ${got.length}, want ${want.length}`;
}
