import { invalidArgument, SystemError } from './errors.js';

/** What to tell an npm user when a call fails: a sentence, or one chosen by errno. */
export type Hint = string | ((errno: number) => string | undefined);

/**
 * How a typed fd call names a failure: `what` says what was being done (the
 * error's message), `hint` what to do about it. Each call has a default.
 */
export interface CallContext {
  /** What was being done, as the error's message says it ('export the buffer'); omitted: the call's default. */
  what?: string;
  /** What an npm user can do about a failure (see Hint); omitted: the call's default hint. */
  hint?: Hint;
}

/**
 * Turn a native result into a value: negative numbers are -errno and become a
 * SystemError (`what` says what we were doing, `hint` what to do about it).
 * Driver packages use this for their own addons' results
 * (`@dmabuf/core/driver`).
 */
export function check<T>(result: T | number, syscall: string, what: string, hint?: Hint): T {
  if (typeof syscall !== 'string') throw invalidArgument('syscall', "the syscall's name", syscall);
  if (typeof what !== 'string') throw invalidArgument('what', 'what was being done (a string)', what);
  if (hint !== undefined && typeof hint !== 'string' && typeof hint !== 'function')
    throw invalidArgument('hint', 'a string or a function of the errno', hint);
  if (typeof result === 'number' && result < 0) {
    const errno = -result;
    const h = typeof hint === 'function' ? hint(errno) : hint;
    throw new SystemError(what, errno, syscall, h);
  }
  return result as T;
}
