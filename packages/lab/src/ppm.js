import { readFileSync } from 'node:fs';
import { assertBytes, assertInteger, assertObject, invalidArgument } from './check.js';
import { LabError } from './errors.js';

/**
 * @typedef {{ width: number, height: number, pixels: Buffer }} RgbImage
 * pixels: width*height*3 bytes, RGB, rows top to bottom.
 */

/**
 * Parse a binary PPM (P6, maxval ≤ 255), as QEMU's screendump writes it.
 * @param {Buffer} buf @returns {RgbImage}
 */
export function parsePpm(buf) {
  assertBytes('buf', buf);
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
  if (magic !== 'P6')
    throw new LabError(`not a binary PPM (magic ${JSON.stringify(magic.slice(0, 16))}, expected P6)`, {
      code: 'EINVAL',
    });
  const width = Number(token());
  const height = Number(token());
  const maxval = Number(token());
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0) || maxval !== 255) {
    throw new LabError(`unsupported PPM: ${width}x${height}, maxval ${maxval} (expected 8-bit)`, {
      code: 'EINVAL',
    });
  }
  pos++; // the single whitespace after maxval
  const size = width * height * 3;
  if (buf.length - pos < size)
    throw new LabError(`truncated PPM: ${buf.length - pos} of ${size} pixel bytes`, { code: 'EINVAL' });
  const pixels = Buffer.from(buf.buffer, buf.byteOffset + pos, size);
  return { width, height, pixels };
}

/** @param {string} path @returns {RgbImage} */
export function readPpm(path) {
  if (typeof path !== 'string' || !path) throw invalidArgument('path', 'a file path', path);
  let bytes;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = /** @type {{ code?: string }} */ (e).code ?? 'EIO';
    throw new LabError(`cannot read the PPM ${path}: ${/** @type {Error} */ (e).message}`, {
      code,
      cause: e,
    });
  }
  return parsePpm(bytes);
}

/**
 * The [r, g, b] at (x, y).
 * @param {RgbImage} img @param {number} x @param {number} y @returns {[number, number, number]}
 */
export function pixelAt(img, x, y) {
  assertObject('img', img);
  assertInteger('img.width', img.width);
  assertInteger('img.height', img.height);
  assertBytes('img.pixels', img.pixels);
  assertInteger('x', x, -(2 ** 31), 2 ** 31);
  assertInteger('y', y, -(2 ** 31), 2 ** 31);
  if (x < 0 || y < 0 || x >= img.width || y >= img.height)
    throw new LabError(`(${x}, ${y}) is outside ${img.width}x${img.height}`, { code: 'ERANGE' });
  const i = (y * img.width + x) * 3;
  const p = img.pixels;
  return [p[i] ?? 0, p[i + 1] ?? 0, p[i + 2] ?? 0];
}
