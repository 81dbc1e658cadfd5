/** Documented: no warning for this one. */
export function documented(): number {
  return 1;
}

export function undocumentedExport(): number {
  return 2;
}
