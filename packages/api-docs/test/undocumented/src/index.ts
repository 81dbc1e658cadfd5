/** Documented: no warning for this one. */
export function documented(): number {
  return 1;
}

export function undocumentedExport(): number {
  return 2;
}

/** Documented: its members are checked one by one. */
export interface Shape {
  /** Documented: no warning. */
  readonly width: number;
  readonly undocumentedProperty: number;
}

/** Documented class with an undocumented getter. */
export class Box {
  get undocumentedGetter(): number {
    return 3;
  }
}
