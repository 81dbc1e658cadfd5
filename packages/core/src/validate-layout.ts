import { invalidArgument } from './errors.js';
import type { BufferLayout } from './layout.js';
import { assertObject, assertString, assertUint } from './validate.js';

const MAX_SIZE = 2 ** 40;

/**
 * A layout given by a caller (fw.get, channel metadata, an adopted buffer):
 * every field of the right type, every plane inside the layout, and the
 * layout no larger than `realSize`, the buffer's size as the kernel reports
 * it. A larger layout would let a CPU mapping be read past the buffer's end
 * (SIGBUS on a memfd-backed buffer).
 */
export function assertLayout(
  name: string,
  layout: unknown,
  realSize?: number,
): asserts layout is BufferLayout {
  assertObject(name, layout);
  const l = layout as Partial<BufferLayout>;
  assertUint(`${name}.size`, l.size, MAX_SIZE);
  if (!Array.isArray(l.planes)) throw invalidArgument(`${name}.planes`, 'an array of planes', l.planes);
  l.planes.forEach((p, i) => {
    const at = `${name}.planes[${i}]`;
    assertObject(at, p);
    assertUint(`${at}.offset`, p.offset, MAX_SIZE);
    assertUint(`${at}.pitch`, p.pitch, MAX_SIZE);
    assertUint(`${at}.size`, p.size, MAX_SIZE);
    if (p.offset + p.size > l.size!) {
      throw invalidArgument(
        at,
        `a plane inside the layout's ${l.size} bytes`,
        `offset ${p.offset} + size ${p.size}`,
      );
    }
  });
  if (l.width !== undefined) assertUint(`${name}.width`, l.width, MAX_SIZE);
  if (l.height !== undefined) assertUint(`${name}.height`, l.height, MAX_SIZE);
  if (l.format !== undefined) assertString(`${name}.format`, l.format, 8);
  if (l.modifier !== undefined && typeof l.modifier !== 'bigint')
    throw invalidArgument(`${name}.modifier`, 'a bigint DRM format modifier', l.modifier);
  if (realSize !== undefined && l.size! > realSize) {
    throw invalidArgument(
      `${name}.size`,
      `at most the buffer's real size, ${realSize} bytes`,
      l.size,
      'Pass the layout the exporter gave for this buffer; a larger one would map memory past its end',
    );
  }
}
