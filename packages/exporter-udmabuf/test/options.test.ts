import { InvalidArgumentError } from '@dmabuf/core';
import { describe, expect, it } from 'vitest';
import { parseExportOptions } from '../src/index.js';

describe('udmabuf export options', () => {
  it('passes the known ones through', () => {
    expect(parseExportOptions({})).toEqual({});
    expect(parseExportOptions({ hugetlb: true })).toEqual({ hugetlb: true });
    const ranges = [{ memfd: 3 }];
    expect(parseExportOptions({ ranges, list: true })).toEqual({ ranges, list: true });
  });

  it('refuses unknown keys instead of ignoring them', () => {
    expect(() => parseExportOptions({ hugepages: true })).toThrow(InvalidArgumentError);
    expect(() => parseExportOptions({ hugepages: true })).toThrow(/options\.hugepages/);
  });

  it('refuses wrong types, empty ranges, and hugetlb together with ranges', () => {
    expect(() => parseExportOptions({ hugetlb: 'yes' })).toThrow(/a boolean/);
    expect(() => parseExportOptions({ ranges: [] })).toThrow(/non-empty array/);
    expect(() => parseExportOptions({ ranges: [{ memfd: 3 }], hugetlb: true })).toThrow(/MFD_HUGETLB/);
  });
});
