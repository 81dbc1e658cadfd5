import { constants } from 'node:os';

const byNumber = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!byNumber.has(value)) byNumber.set(value, name);
}

/** The symbolic name of an errno value ('EINVAL' for 22); 'E<n>' when unknown. */
export function errnoName(errno: number): string {
  return byNumber.get(Math.abs(errno)) ?? `E${Math.abs(errno)}`;
}

/** The errno value of a symbolic name (22 for 'EINVAL'), or undefined. */
export function errnoValue(name: string): number | undefined {
  return (constants.errno as Record<string, number>)[name];
}
