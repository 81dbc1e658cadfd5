import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LabError } from '../src/errors.js';
import { crc32, encodePng, pngSignature } from '../src/png.js';
import { parsePpm, pixelAt } from '../src/ppm.js';

function ppm(
  width: number,
  height: number,
  fill: (x: number, y: number) => [number, number, number],
  comment = '',
) {
  const head = Buffer.from(`P6\n${comment ? `# ${comment}\n` : ''}${width} ${height}\n255\n`, 'latin1');
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) px.set(fill(x, y), (y * width + x) * 3);
  return Buffer.concat([head, px]);
}

/** Just enough PNG decoding to check our own output: chunks, CRCs, filter 0 rows. */
function decodePng(png: Buffer) {
  expect(png.subarray(0, 8)).toEqual(pngSignature);
  let pos = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  const types: string[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    expect(png.readUInt32BE(pos + 8 + len)).toBe(crc32(png.subarray(pos + 4, pos + 8 + len)));
    types.push(type);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9]]).toEqual([8, 2]);
    }
    if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  expect(types[0]).toBe('IHDR');
  expect(types.at(-1)).toBe('IEND');
  const raw = inflateSync(Buffer.concat(idat));
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 3 + 1)]).toBe(0);
    raw.copy(pixels, y * width * 3, y * (width * 3 + 1) + 1, (y + 1) * (width * 3 + 1));
  }
  return { width, height, pixels };
}

describe('PPM → PNG', () => {
  it('round-trips the pixels of colour bars', () => {
    const bars = [
      [191, 191, 191],
      [191, 191, 0],
      [0, 191, 191],
      [0, 191, 0],
    ] as const;
    const img = parsePpm(
      ppm(64, 9, (x) => [...bars[Math.floor(x / 16)]!] as [number, number, number], 'qemu'),
    );
    expect([img.width, img.height]).toEqual([64, 9]);
    expect(pixelAt(img, 17, 3)).toEqual([191, 191, 0]);
    const back = decodePng(encodePng(img));
    expect(back.width).toBe(64);
    expect(back.height).toBe(9);
    expect(back.pixels.equals(img.pixels)).toBe(true);
  });

  it('crc32 matches the known value for "IEND"', () => {
    expect(crc32(Buffer.from('IEND'))).toBe(0xae426082);
  });

  it('refuses what is not an 8-bit P6', () => {
    expect(() => parsePpm(Buffer.from('P3\n1 1\n255\n0 0 0\n'))).toThrow(/expected P6/);
    expect(() => parsePpm(Buffer.from('P6\n1 1\n65535\n'))).toThrow(/8-bit/);
    expect(() => parsePpm(Buffer.from('P6\n2 2\n255\nabc'))).toThrow(/truncated/);
  });

  it('pixelAt refuses coordinates outside the image', () => {
    const img = parsePpm(ppm(2, 2, () => [1, 2, 3]));
    expect(() => pixelAt(img, 2, 0)).toThrow(expect.objectContaining({ code: 'ERANGE' }));
    expect(() => pixelAt(img, 2, 0)).toThrow(LabError);
  });

  it('junk is a LabError EINVAL naming the argument, not a TypeError (and not a hang: a length of 2**53 was an endless loop)', () => {
    const invalid = (fn: () => unknown, name: string) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(LabError);
        expect((e as LabError).code).toBe('EINVAL');
        expect((e as Error).message).toMatch(
          new RegExp(`^Expected .+ for ${name.replace('.', '\\.')} but received`),
        );
        return;
      }
      throw new Error('accepted');
    };
    invalid(() => parsePpm({ length: 2 ** 53 } as never), 'buf');
    invalid(() => parsePpm('P6 1 1 255 abc' as never), 'buf');
    invalid(() => encodePng(null as never), 'img');
    invalid(() => encodePng({ width: 1, height: 1, pixels: [1, 2, 3] } as never), 'img.pixels');
    invalid(() => pixelAt({ width: 2, height: 2 } as never, 0, 0), 'img.pixels');
    invalid(() => pixelAt(parsePpm(ppm(2, 2, () => [1, 2, 3])), 0.5, 0), 'x');
    expect(() => parsePpm(Buffer.from('P5 1 1 255 x'))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
