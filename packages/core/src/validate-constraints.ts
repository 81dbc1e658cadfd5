import type { Constraints, LabelledConstraints } from './constraints.js';
import { invalidArgument } from './errors.js';
import { assertObject, assertPositive, assertString, assertUint } from './validate.js';

const MAX = 2 ** 40;

function assertUintArray(name: string, value: unknown): void {
  if (!Array.isArray(value)) throw invalidArgument(name, 'an array of integers', value);
  value.forEach((v, i) => {
    assertUint(`${name}[${i}]`, v, MAX);
  });
}

function assertPowerOfTwo(name: string, value: unknown): void {
  assertPositive(name, value, MAX);
  if (!Number.isInteger(Math.log2(value))) throw invalidArgument(name, 'a power of two', value);
}

/** Constraints given by a caller (export, an importer, mergeConstraints): each field of its documented type. */
export function assertConstraints(name: string, value: unknown): asserts value is Constraints {
  assertObject(name, value);
  const c = value as Record<keyof Constraints, unknown>;
  if (c.minSize !== undefined) assertUint(`${name}.minSize`, c.minSize, MAX);
  if (c.minPlaneSizes !== undefined) assertUintArray(`${name}.minPlaneSizes`, c.minPlaneSizes);
  if (c.alignment !== undefined) assertPowerOfTwo(`${name}.alignment`, c.alignment);
  if (c.pitchAlignment !== undefined) assertPositive(`${name}.pitchAlignment`, c.pitchAlignment, MAX);
  if (c.heightAlignment !== undefined) assertPositive(`${name}.heightAlignment`, c.heightAlignment, MAX);
  if (c.pitches !== undefined) assertUintArray(`${name}.pitches`, c.pitches);
  if (c.contiguous !== undefined && typeof c.contiguous !== 'boolean')
    throw invalidArgument(`${name}.contiguous`, 'a boolean', c.contiguous);
  if (c.formats !== undefined) {
    if (!Array.isArray(c.formats)) throw invalidArgument(`${name}.formats`, 'an array of formats', c.formats);
    c.formats.forEach((f: unknown, i) => {
      const at = `${name}.formats[${i}]`;
      assertObject(at, f);
      const { format, modifiers } = f as { format?: unknown; modifiers?: unknown };
      assertString(`${at}.format`, format, 8);
      if (
        modifiers !== undefined &&
        !(Array.isArray(modifiers) && modifiers.every((m) => typeof m === 'bigint'))
      )
        throw invalidArgument(`${at}.modifiers`, 'an array of bigint modifiers', modifiers);
    });
  }
  if (c.exporters !== undefined) {
    if (!Array.isArray(c.exporters))
      throw invalidArgument(`${name}.exporters`, 'an array of names', c.exporters);
    c.exporters.forEach((e, i) => {
      assertString(`${name}.exporters[${i}]`, e);
    });
  }
}

/** The parties of mergeConstraints / checkLayout: { label, constraints } each. */
export function assertParty(name: string, value: unknown): asserts value is LabelledConstraints {
  assertObject(name, value);
  const p = value as { label?: unknown; constraints?: unknown };
  assertString(`${name}.label`, p.label);
  assertConstraints(`${name}.constraints`, p.constraints);
}
