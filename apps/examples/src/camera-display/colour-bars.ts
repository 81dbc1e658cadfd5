import { VIVID_BARS } from '@dmabuf/lab/guest';

/** vivid's default test pattern: eight vertical bars of 75% colour, left to right. */
export const BARS = VIVID_BARS;

/**
 * Check an RGB picture (3 bytes per pixel, `width` pixels per row) for the
 * bars at the centre of each bar, on a row below vivid's on-screen text.
 * Returns the mismatches (empty when the picture is the camera's bars);
 * `tolerance` allows that much per channel (a YUV→RGB conversion rounds).
 */
export function checkBars(rgb: Uint8Array, width: number, height: number, tolerance = 0): string[] {
  const row = Math.floor(height * 0.6);
  const bar = width / BARS.length;
  const wrong: string[] = [];
  BARS.forEach((want, i) => {
    const x = Math.floor(bar * i + bar / 2);
    const at = (row * width + x) * 3;
    const got = [rgb[at], rgb[at + 1], rgb[at + 2]];
    if (got.some((v, c) => v === undefined || Math.abs(v - want[c]!) > tolerance))
      wrong.push(`bar ${i} at (${x},${row}): want ${want.join(',')}, got ${got.join(',')}`);
  });
  return wrong;
}
