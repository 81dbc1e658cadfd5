import * as zlib from 'node:zlib';
import { assertBytes, assertInteger, assertObject } from './check.js';
import { LabError } from './errors.js';

const crcTable = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 as PNG wants it (zlib.crc32 where node has it). @param {Buffer} buf */
export function crc32(buf) {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(buf) >>> 0;
  let c = 0xffffffff;
  for (const b of buf) c = /** @type {number} */ (crcTable[(c ^ b) & 0xff]) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** @param {string} type @param {Buffer} data */
function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * Encode 8-bit RGB pixels as a PNG (filter 0 on every row).
 * @param {import('./ppm.js').RgbImage} img @returns {Buffer}
 */
export function encodePng(img) {
  assertObject('img', img);
  const { width, height, pixels } = img;
  assertInteger('img.width', width, 1, 1 << 16);
  assertInteger('img.height', height, 1, 1 << 16);
  assertBytes('img.pixels', pixels);
  const stride = width * 3;
  if (pixels.length < stride * height)
    throw new LabError(
      `encodePng: ${pixels.length} bytes for ${width}x${height} RGB (needs ${stride * height})`,
      {
        code: 'EINVAL',
      },
    );
  const src = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) src.copy(raw, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([
    pngSignature,
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
