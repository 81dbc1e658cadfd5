import { DmaBufError, InvalidArgumentError } from '@dmabuf/core';
import { describe, expect, it } from 'vitest';
import { exportRanges, UdmabufDevice, UdmabufExporter, udmabufPlugin } from '../src/index.js';

// Issue 15: these were raw addon messages or "Cannot read properties of null" before.
function invalid(fn: () => unknown, name: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DmaBufError);
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as Error).message).toMatch(new RegExp(`for ${name}\\S* but received`));
    return;
  }
  throw new Error(`accepted: expected an InvalidArgumentError for ${name}`);
}

describe('udmabuf public API refuses junk with InvalidArgumentError', () => {
  it('UdmabufDevice, UdmabufExporter, udmabufPlugin', () => {
    for (const junk of [null, 5, {}, [], Number.NaN]) {
      invalid(() => new UdmabufDevice(junk as never), 'device');
    }
    for (const junk of [null, 5, [], Number.NaN, 'x']) invalid(() => udmabufPlugin(junk as never), 'options');
    invalid(() => new UdmabufExporter({ memfdName: 5 as never }), 'options.memfdName');
    invalid(() => new UdmabufExporter({ device: null as never }), 'device');
  });

  it('exportRanges', () => {
    const fw = { export: () => undefined } as never;
    for (const junk of [undefined, null, 5, 'x', {}])
      invalid(() => exportRanges(junk as never, []), 'framework');
    for (const junk of [undefined, null, 5, 'x', {}, []])
      invalid(() => exportRanges(fw, junk as never), 'ranges');
    invalid(() => exportRanges(fw, [{ memfd: 3, offset: 0, size: 4096 }], null as never), 'options');
  });
});
