import { SystemError } from './errors.js';

/**
 * Turn a native result into a value: negative numbers are -errno and become a
 * SystemError (`what` says what we were doing, `hint` what to do about it).
 * Driver packages use this for their own addons' results.
 */
export function check<T>(
  result: T | number,
  syscall: string,
  what: string,
  hint?: string | ((errno: number) => string | undefined),
): T {
  if (typeof result === 'number' && result < 0) {
    const errno = -result;
    const h = typeof hint === 'function' ? hint(errno) : hint;
    throw new SystemError(what, errno, syscall, h);
  }
  return result as T;
}
