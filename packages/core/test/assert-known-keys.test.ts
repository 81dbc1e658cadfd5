import { describe, expect, it } from 'vitest';
import { assertKnownKeys, InvalidArgumentError } from '../src/index.js';
import { refusalOf } from '../src/testing/index.js';

describe('assertKnownKeys', () => {
  const KEYS = ['size', 'flags'] as const;

  it('passes an object whose keys are all known, or none', () => {
    expect(() => assertKnownKeys('options', { size: 1, flags: 0 }, KEYS)).not.toThrow();
    expect(() => assertKnownKeys('options', {}, KEYS)).not.toThrow();
  });

  it('refuses an unknown key by its path, listing the known ones and what to do', () => {
    const e = refusalOf(
      () => assertKnownKeys('options', { size: 1, szie: 2 }, KEYS, 'the test options'),
      InvalidArgumentError,
    );
    expect(e.message).toBe(
      "Expected one of the test options size, flags for options.szie but received 'szie'. Remove the option, or check its spelling",
    );
    expect(e.code).toBe('EINVAL');
  });

  it('refuses what is not a plain object, and a known list that is not an array', () => {
    for (const v of [null, undefined, 3, 'size', [1]])
      expect(() => assertKnownKeys('options', v, KEYS)).toThrow(InvalidArgumentError);
    expect(() => assertKnownKeys('options', {}, 'size' as never)).toThrow(InvalidArgumentError);
  });
});
