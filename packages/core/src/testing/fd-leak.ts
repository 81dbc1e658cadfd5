import { invalidArgument } from '../errors.js';
import { openFdCount } from '../fd-info.js';

/** Run fn and return how many fds it left open (0 when clean). */
export async function fdDelta(fn: () => void | Promise<void>): Promise<number> {
  if (typeof fn !== 'function') throw invalidArgument('fn', 'a function', fn);
  const before = openFdCount();
  await fn();
  return openFdCount() - before;
}
