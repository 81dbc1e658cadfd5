import { invalidArgument } from '@dmabuf/core';
import { fourccName } from '../fourcc.js';

/**
 * Parse an IN_FORMATS blob (struct drm_format_modifier_blob): which
 * modifiers the plane takes for each format. Pure: works on the bytes.
 */
export function parseInFormats(blob: Uint8Array): Map<string, bigint[]> {
  if (!(blob instanceof Uint8Array)) throw invalidArgument('blob', 'a Uint8Array (an IN_FORMATS blob)', blob);
  const out = new Map<string, bigint[]>();
  if (blob.byteLength < 24) return out;
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const countFormats = v.getUint32(8, true);
  const formatsOffset = v.getUint32(12, true);
  const countModifiers = v.getUint32(16, true);
  const modifiersOffset = v.getUint32(20, true);
  if (
    formatsOffset + countFormats * 4 > blob.byteLength ||
    modifiersOffset + countModifiers * 24 > blob.byteLength
  )
    return out;
  const formats: string[] = [];
  for (let i = 0; i < countFormats; i++) {
    const f = fourccName(v.getUint32(formatsOffset + i * 4, true)).trimEnd();
    formats.push(f);
    out.set(f, []);
  }
  for (let i = 0; i < countModifiers; i++) {
    const at = modifiersOffset + i * 24;
    const mask = v.getBigUint64(at, true);
    const offset = v.getUint32(at + 8, true);
    const modifier = v.getBigUint64(at + 16, true);
    for (let b = 0; b < 64; b++) {
      if ((mask >> BigInt(b)) & 1n) {
        const f = formats[offset + b];
        if (f !== undefined) out.get(f)!.push(modifier);
      }
    }
  }
  return out;
}
