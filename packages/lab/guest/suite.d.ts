/** A lab suite: defined in the lab with every driver it needs; else one skipped test whose name says why. */
export function labSuite(name: string, define: () => void, opts?: { needs?: string[] }): void;
