/**
 * Convert one YUYV (4:2:2, BT.601 limited range) image into XRGB8888
 * (little-endian: bytes B, G, R, X) — the copy path's conversion when the
 * display cannot scan out the camera's format. Pitches are in bytes.
 */
export function yuyvToXrgb(
  src: Uint8Array,
  srcPitch: number,
  dst: Uint8Array,
  dstPitch: number,
  width: number,
  height: number,
): void {
  const out = new Uint32Array(dst.buffer, dst.byteOffset, dst.byteLength >>> 2);
  const dstWords = dstPitch >>> 2;
  for (let y = 0; y < height; y++) {
    let s = y * srcPitch;
    let d = y * dstWords;
    for (let x = 0; x < width; x += 2, s += 4, d += 2) {
      const u = src[s + 1]! - 128;
      const v = src[s + 3]! - 128;
      const r = 409 * v + 128;
      const g = -100 * u - 208 * v + 128;
      const b = 516 * u + 128;
      const c0 = 298 * (src[s]! - 16);
      const c1 = 298 * (src[s + 2]! - 16);
      out[d] = pixel(c0, r, g, b);
      out[d + 1] = pixel(c1, r, g, b);
    }
  }
}

function clamp(v: number): number {
  return Math.max(0, Math.min(v, 255));
}

function pixel(c: number, r: number, g: number, b: number): number {
  return ((clamp((c + r) >> 8) << 16) | (clamp((c + g) >> 8) << 8) | clamp((c + b) >> 8)) >>> 0;
}
