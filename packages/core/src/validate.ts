import { invalidArgument, text } from './errors.js';

/** A non-negative safe integer, else InvalidArgumentError. */
export function assertUint(
  name: string,
  value: unknown,
  max = Number.MAX_SAFE_INTEGER,
): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw invalidArgument(name, `an integer between 0 and ${text(max)}`, value);
  }
}

/** A positive safe integer, else InvalidArgumentError. */
export function assertPositive(
  name: string,
  value: unknown,
  max = Number.MAX_SAFE_INTEGER,
): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value > max) {
    throw invalidArgument(name, `an integer between 1 and ${text(max)}`, value);
  }
}

/** An fd number: an integer 0..2^31-1 (whether it is open is the kernel's to say). */
export function assertFd(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw invalidArgument(name, 'a file descriptor (an integer >= 0)', value);
  }
}

/** Throw InvalidArgumentError unless `value` is a string of at most `maxLength` characters. */
export function assertString(
  name: string,
  value: unknown,
  maxLength = Number.MAX_SAFE_INTEGER,
): asserts value is string {
  if (typeof value !== 'string' || (typeof maxLength === 'number' && value.length > maxLength)) {
    throw invalidArgument(name, `a string of at most ${text(maxLength)} characters`, value);
  }
}

/** Throw InvalidArgumentError unless `value` is one of `allowed` (the message lists them). */
export function assertOneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
): asserts value is T {
  if (!Array.isArray(allowed)) throw invalidArgument('allowed', 'an array of the allowed strings', allowed);
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidArgument(name, `one of ${allowed.map((a) => `'${text(a)}'`).join(', ')}`, value);
  }
}

/** Throw InvalidArgumentError unless `value` is a plain object (not null, not an array). */
export function assertObject<T>(name: string, value: T): asserts value is T & object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgument(name, 'an object', value);
  }
}

/**
 * Throw InvalidArgumentError unless `value` is a plain object whose own keys are all in `known`:
 * a plugin's options refuse a misspelt option instead of ignoring it. The refusal names
 * `<name>.<key>` and lists the keys `what` takes (e.g. `'the udmabuf options'`).
 */
export function assertKnownKeys(
  name: string,
  value: unknown,
  known: readonly string[],
  what: string = name,
): asserts value is Record<string, unknown> {
  assertObject(name, value);
  if (!Array.isArray(known)) throw invalidArgument('known', 'an array of the allowed keys', known);
  for (const k of Object.keys(value)) {
    if (!known.includes(k)) {
      throw invalidArgument(
        `${text(name)}.${k}`,
        `one of ${text(what)} ${known.map(text).join(', ')}`,
        k,
        'Remove the option, or check its spelling',
      );
    }
  }
}

/** The page size dma-buf sizes and udmabuf offsets are counted in (4096 on every platform dmabuf-js ships for). */
export const PAGE_SIZE = 4096;

/** Whether `n` is a multiple of PAGE_SIZE. */
export function isPageAligned(n: number): boolean {
  return typeof n === 'number' && n % PAGE_SIZE === 0;
}
