import { readFileSync } from 'node:fs';

/**
 * @typedef {{ width: number, height: number, pixels: Buffer }} RgbImage
 * pixels: width*height*3 bytes, RGB, rows top to bottom.
 */

/**
 * Parse a binary PPM (P6, maxval ≤ 255), as QEMU's screendump writes it.
 * @param {Buffer} buf @returns {RgbImage}
 */
export function parsePpm(buf) {
  let pos = 0;
  const token = () => {
    for (;;) {
      while (pos < buf.length && /\s/.test(String.fromCharCode(/** @type {number} */ (buf[pos])))) pos++;
      if (buf[pos] !== 0x23) break; // '#': comment to end of line
      while (pos < buf.length && buf[pos] !== 0x0a) pos++;
    }
    const start = pos;
    while (pos < buf.length && !/\s/.test(String.fromCharCode(/** @type {number} */ (buf[pos])))) pos++;
    return buf.toString('latin1', start, pos);
  };
  const magic = token();
  if (magic !== 'P6') throw new Error(`not a binary PPM (magic ${JSON.stringify(magic)}, expected P6)`);
  const width = Number(token());
  const height = Number(token());
  const maxval = Number(token());
  if (!(width > 0 && height > 0) || maxval !== 255) {
    throw new Error(`unsupported PPM: ${width}x${height}, maxval ${maxval} (expected 8-bit)`);
  }
  pos++; // the single whitespace after maxval
  const size = width * height * 3;
  if (buf.length - pos < size) throw new Error(`truncated PPM: ${buf.length - pos} of ${size} pixel bytes`);
  return { width, height, pixels: buf.subarray(pos, pos + size) };
}

/** @param {string} path @returns {RgbImage} */
export function readPpm(path) {
  return parsePpm(readFileSync(path));
}

/**
 * The [r, g, b] at (x, y).
 * @param {RgbImage} img @param {number} x @param {number} y @returns {[number, number, number]}
 */
export function pixelAt(img, x, y) {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height)
    throw new RangeError(`(${x}, ${y}) is outside ${img.width}x${img.height}`);
  const i = (y * img.width + x) * 3;
  const p = img.pixels;
  return [p[i] ?? 0, p[i + 1] ?? 0, p[i + 2] ?? 0];
}
