import { LabError } from './errors.js';

// Argument checks of the lab's public functions: a wrong type is a LabError with code EINVAL and
// the message core's InvalidArgumentError uses ("Expected X for NAME but received Y"). The lab does
// not depend on core, so it has its own copy of this one sentence.

/** @param {unknown} value */
function describe(value) {
  try {
    if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
    if (typeof value === 'bigint') return `${value}n`;
    if (value === null) return 'null';
    if (Array.isArray(value)) return `an array of ${value.length}`;
    if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
    return typeof value === 'function' ? 'a function' : String(value);
  } catch {
    return 'a value that cannot be shown';
  }
}

/**
 * @param {string} name @param {string} expected @param {unknown} actual
 * @returns {LabError}
 */
export function invalidArgument(name, expected, actual) {
  return new LabError(`Expected ${expected} for ${name} but received ${describe(actual)}`, {
    code: 'EINVAL',
  });
}

/** @param {string} name @param {unknown} v @returns {asserts v is object} */
export function assertObject(name, v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalidArgument(name, 'an object', v);
}

/** @param {string} name @param {unknown} v @returns {asserts v is Uint8Array} */
export function assertBytes(name, v) {
  if (!(v instanceof Uint8Array)) throw invalidArgument(name, 'a Buffer or Uint8Array', v);
}

/** @param {string} name @param {unknown} v @param {number} [min] @param {number} [max] @returns {asserts v is number} */
export function assertInteger(name, v, min = 0, max = 2 ** 31 - 1) {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw invalidArgument(name, `an integer from ${min} to ${max}`, v);
}

/** @param {string} name @param {unknown} v @returns {asserts v is string[]} */
export function assertStrings(name, v) {
  if (!Array.isArray(v)) throw invalidArgument(name, 'an array of strings', v);
  v.forEach((s, i) => {
    if (typeof s !== 'string') throw invalidArgument(`${name}[${i}]`, 'a string', s);
  });
}
