import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import { DmaBufError, InvalidArgumentError, invalidArgument } from '../src/index.js';
import { refusalOf } from '../src/testing/index.js';

describe('refusalOf (testing)', () => {
  it('returns the typed error the call threw', () => {
    const thrown = invalidArgument('size', 'a positive integer', -1);
    expect(
      refusalOf(() => {
        throw thrown;
      }),
    ).toBe(thrown);
    expect(
      refusalOf(() => {
        throw thrown;
      }, InvalidArgumentError).code,
    ).toBe('EINVAL');
  });

  it('fails (AssertionError) when the call is accepted', () => {
    expect(() => refusalOf(() => 42)).toThrow(AssertionError);
    expect(() => refusalOf(() => 42)).toThrow(/the call was accepted/);
  });

  it('fails when the call throws something of another class', () => {
    expect(() =>
      refusalOf(() => {
        throw new TypeError('x');
      }),
    ).toThrow(/expected a DmaBufError, got TypeError: x/);
    const plain = new DmaBufError('no', { code: 'EBUSY' });
    expect(() =>
      refusalOf(() => {
        throw plain;
      }, InvalidArgumentError),
    ).toThrow(AssertionError);
  });

  it('fails when a DmaBufError carries a code that is not an errno name', () => {
    expect(() =>
      refusalOf(() => {
        throw new DmaBufError('no', { code: 'busy' });
      }),
    ).toThrow(/not an errno name/);
  });

  it('refuses junk for its own arguments with a typed error', () => {
    for (const junk of [null, 1, 'f', {}]) {
      expect(() => refusalOf(junk as never)).toThrow(InvalidArgumentError);
      expect(() => refusalOf(() => 0, junk as never)).toThrow(InvalidArgumentError);
    }
    expect(() => refusalOf(undefined as never)).toThrow(InvalidArgumentError);
  });
});
