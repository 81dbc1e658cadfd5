import { AssertionError } from 'node:assert';
import { DmaBufError, invalidArgument } from '../errors.js';

/** A class of errors, e.g. `DmaBufError`, `InvalidArgumentError` or `PluginError`. */
export type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

/**
 * Run `fn` and return the error it threw, for tests of refusals: an
 * `AssertionError` (which fails the test) when `fn` returned instead, or threw
 * something that is not an instance of `type` (default `DmaBufError`, whose
 * `code` must then also look like an errno name: `EINVAL`, `EBUSY`, …).
 * `fn` must refuse synchronously; for a promise, `await expect(p).rejects`.
 */
export function refusalOf<E extends Error = DmaBufError>(
  fn: () => unknown,
  type: ErrorClass<E> = DmaBufError as unknown as ErrorClass<E>,
): E {
  if (typeof fn !== 'function') throw invalidArgument('fn', 'a function', fn);
  if (typeof type !== 'function') throw invalidArgument('type', 'an error class', type);
  let result: unknown;
  try {
    result = fn();
  } catch (e) {
    if (!(e instanceof type)) {
      throw new AssertionError({ message: `expected a ${type.name}, got ${String(e)}`, actual: e });
    }
    if (e instanceof DmaBufError && !/^E[A-Z0-9]+$/.test(e.code)) {
      throw new AssertionError({
        message: `a DmaBufError with code ${String(e.code)}: not an errno name`,
        actual: e,
      });
    }
    return e;
  }
  throw new AssertionError({ message: `expected a ${type.name}, the call was accepted`, actual: result });
}
