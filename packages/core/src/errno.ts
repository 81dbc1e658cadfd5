import { constants } from 'node:os';

/** Linux errno values drivers return that Node's os.constants.errno lacks (udmabuf: EBADFD). */
const LINUX_EXTRA: Readonly<Record<string, number>> = { EBADFD: 77, EREMOTEIO: 121 };

const byName: Record<string, number> = { ...LINUX_EXTRA, ...(constants.errno as Record<string, number>) };
const byNumber = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!byNumber.has(value)) byNumber.set(value, name);
}
for (const [name, value] of Object.entries(LINUX_EXTRA)) {
  if (!byNumber.has(value)) byNumber.set(value, name);
}

/** The symbolic name of an errno value ('EINVAL' for 22); 'E<n>' when unknown. */
export function errnoName(errno: number): string {
  if (typeof errno !== 'number') return 'EUNKNOWN';
  return byNumber.get(Math.abs(errno)) ?? `E${Math.abs(errno)}`;
}

/** The errno value of a symbolic name (22 for 'EINVAL'), or undefined. */
export function errnoValue(name: string): number | undefined {
  return typeof name === 'string' && Object.hasOwn(byName, name) ? byName[name] : undefined;
}
