import { constants } from 'node:os';

/** Linux errno values drivers return that Node's os.constants.errno lacks (udmabuf: EBADFD). */
const LINUX_EXTRA = { EBADFD: 77, EREMOTEIO: 121 } as const;

/** A Linux errno name: one of os.constants.errno's, or EBADFD / EREMOTEIO. */
export type ErrnoName = Extract<keyof typeof constants.errno, `E${string}`> | 'EBADFD' | 'EREMOTEIO';

/**
 * Linux's errno values by name, frozen: `ERRNO.EINVAL` is 22, `ERRNO.ECANCELED`
 * 125, `ERRNO.EBADFD` 77. Built from Node's `os.constants.errno` (the
 * platform's numbers, Linux's on every platform dmabuf-js runs on) plus the
 * Linux errnos Node does not list (EBADFD, EREMOTEIO). Compare a native
 * call's `-errno` result or a SystemError's `errno` with these names instead
 * of writing the numbers out: `if (r === -ERRNO.EAGAIN)`.
 */
export const ERRNO: Readonly<Record<ErrnoName, number>> = Object.freeze({
  ...LINUX_EXTRA,
  ...constants.errno,
});

/** Names by value; the first name listed wins where two share one (EAGAIN before EWOULDBLOCK). */
const byNumber = new Map<number, string>();
for (const [name, value] of Object.entries(ERRNO)) {
  if (!byNumber.has(value)) byNumber.set(value, name);
}

/** The symbolic name of an errno value ('EINVAL' for 22); 'E<n>' when unknown. */
export function errnoName(errno: number): string {
  if (typeof errno !== 'number') return 'EUNKNOWN';
  return byNumber.get(Math.abs(errno)) ?? `E${Math.abs(errno)}`;
}

/** The errno value of a symbolic name (22 for 'EINVAL'), or undefined. */
export function errnoValue(name: string): number | undefined {
  return typeof name === 'string' && Object.hasOwn(ERRNO, name) ? ERRNO[name as ErrnoName] : undefined;
}
