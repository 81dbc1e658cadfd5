import { closeSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fourccCode, GemHandleTable, parseInFormats } from '../src/index.js';
import { AtomicRequest } from '../src/kms/atomic.js';

const ERRNO_ENOTTY = 25;

function inFormatsBlob(
  formats: string[],
  mods: { mask: bigint; offset: number; modifier: bigint }[],
): Uint8Array {
  const fmtOff = 24;
  const modOff = fmtOff + formats.length * 4 + 4; // padded to 8
  const buf = new ArrayBuffer(modOff + mods.length * 24);
  const v = new DataView(buf);
  v.setUint32(0, 1, true);
  v.setUint32(8, formats.length, true);
  v.setUint32(12, fmtOff, true);
  v.setUint32(16, mods.length, true);
  v.setUint32(20, modOff, true);
  formats.forEach((f, i) => {
    v.setUint32(fmtOff + i * 4, fourccCode(f), true);
  });
  mods.forEach((m, i) => {
    v.setBigUint64(modOff + i * 24, m.mask, true);
    v.setUint32(modOff + i * 24 + 8, m.offset, true);
    v.setBigUint64(modOff + i * 24 + 16, m.modifier, true);
  });
  return new Uint8Array(buf);
}

describe('IN_FORMATS', () => {
  it('maps each format to the modifiers whose mask has its bit', () => {
    const blob = inFormatsBlob(
      ['XR24', 'AR24', 'NV12'],
      [
        { mask: 0b111n, offset: 0, modifier: 0n },
        { mask: 0b011n, offset: 0, modifier: 0x0100000000000001n },
      ],
    );
    const m = parseInFormats(blob);
    expect(m.get('XR24')).toEqual([0n, 0x0100000000000001n]);
    expect(m.get('NV12')).toEqual([0n]);
  });

  it('returns nothing for a truncated blob', () => {
    expect(parseInFormats(new Uint8Array(10)).size).toBe(0);
    const blob = inFormatsBlob(['XR24'], [{ mask: 1n, offset: 0, modifier: 0n }]);
    expect(parseInFormats(blob.subarray(0, 30)).size).toBe(0);
  });
});

describe('atomic request', () => {
  it('groups properties by object, last set wins, values as u64', () => {
    const r = new AtomicRequest().set(10, 1, 5).set(20, 2, 6).set(10, 3, -1).set(10, 1, 7);
    expect(r.size).toBe(3);
    expect(r.arrays()).toEqual({
      objects: [10, 20],
      counts: [2, 1],
      props: [1, 3, 2],
      values: [7n, 0xffffffffffffffffn, 6n],
    });
    expect(() => r.set(10, undefined, 1)).toThrow(/lacks a property/);
  });

  it('commits through DRM_IOCTL_MODE_ATOMIC and returns -errno (a file that is no DRM device: ENOTTY)', () => {
    const fd = openSync('/dev/null', 'r');
    try {
      expect(new AtomicRequest().set(10, 1, 5).commit(fd, 0)).toBe(-ERRNO_ENOTTY);
    } finally {
      closeSync(fd);
    }
  });
});

describe('GEM handle table', () => {
  it('imports once per identity, counts users, closes at the last release', () => {
    const closed: number[] = [];
    const t = new GemHandleTable((h) => closed.push(h));
    let loads = 0;
    const load = () => {
      loads++;
      return 7;
    };
    expect(t.acquire('0:1', load)).toBe(7);
    expect(t.acquire('0:1', load)).toBe(7);
    expect(loads).toBe(1);
    // The kernel gives the same handle for the same object under another identity: counted together.
    expect(t.acquire('0:2', () => 7)).toBe(7);
    expect(t.release(7)).toBe(false);
    expect(t.release(7)).toBe(false);
    expect(closed).toEqual([]);
    expect(t.release(7)).toBe(true);
    expect(closed).toEqual([7]);
    expect(t.cached('0:1')).toBeUndefined();
    expect(t.release(7)).toBe(false);
    expect(t.size).toBe(0);
  });
});
