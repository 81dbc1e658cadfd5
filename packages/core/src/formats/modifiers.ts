import type { Constraints } from '../constraints.js';
import { invalidArgument } from '../errors.js';
import { assertObject, assertString } from '../validate.js';
import { PixelFormatError } from './errors.js';

/** DRM_FORMAT_MOD_LINEAR: rows of pixels one after the other, the only layout plain memory has. */
export const MOD_LINEAR = 0n;
/** DRM_FORMAT_MOD_INVALID: "no explicit modifier" in the kernel's uAPI. */
export const MOD_INVALID = 0x00ff_ffff_ffff_ffffn;

const VENDORS = [
  'NONE',
  'INTEL',
  'AMD',
  'NVIDIA',
  'SAMSUNG',
  'QCOM',
  'VIVANTE',
  'BROADCOM',
  'ARM',
  'ALLWINNER',
  'AMLOGIC',
  'MTK',
  'APPLE',
];
const KNOWN = new Map<bigint, string>([
  [MOD_LINEAR, 'LINEAR'],
  [MOD_INVALID, 'INVALID'],
  [0x0100_0000_0000_0001n, 'I915_X_TILED'],
  [0x0100_0000_0000_0002n, 'I915_Y_TILED'],
  [0x0100_0000_0000_0003n, 'I915_Yf_TILED'],
]);

/** 'LINEAR', 'I915_X_TILED', or the vendor and the hex code ('ARM 0x800000000000001'). */
export function modifierName(modifier: bigint): string {
  return nameOf(modifier, 'modifier');
}

function nameOf(modifier: bigint, name: string): string {
  if (typeof modifier !== 'bigint' || modifier < 0n || modifier >= 1n << 64n)
    throw invalidArgument(name, 'a DRM format modifier (a bigint from 0 to 2^64-1)', modifier);
  const known = KNOWN.get(modifier);
  if (known) return known;
  const vendor = VENDORS[Number(modifier >> 56n)] ?? `vendor ${Number(modifier >> 56n)}`;
  return `${vendor} 0x${modifier.toString(16)}`;
}

/** '[LINEAR, I915_X_TILED]' for messages; '[]' when empty. */
export function modifierList(modifiers: readonly bigint[]): string {
  if (!Array.isArray(modifiers))
    throw invalidArgument('modifiers', 'an array of bigint modifiers', modifiers);
  return `[${modifiers.map((m, i) => nameOf(m, `modifiers[${i}]`)).join(', ')}]`;
}

/** The modifier chosen for a buffer, and why (always said, also for LINEAR). */
export interface ModifierChoice {
  /** The modifier chosen (0n: LINEAR). */
  modifier: bigint;
  /** Why, in words a message can show (e.g. 'LINEAR: the only one every device takes'). */
  reason: string;
}

/**
 * Pick the modifier of a `format` buffer that `exporter` lays out with one of
 * `offered` (plain memory: LINEAR only) for devices whose merged constraints
 * are `c`: the first modifier the devices list that the exporter can make.
 * LINEAR is the default when no device names modifiers. Throws a
 * PixelFormatError naming the format and both modifier lists when there is none in common.
 */
export function chooseModifier(
  format: string,
  c: Constraints,
  exporter: string,
  offered: readonly bigint[] = [MOD_LINEAR],
): ModifierChoice {
  assertString('format', format);
  assertObject('c', c);
  assertString('exporter', exporter);
  if (!Array.isArray(offered)) throw invalidArgument('offered', 'an array of bigint modifiers', offered);
  for (const [i, m] of offered.entries()) nameOf(m, `offered[${i}]`);
  const wanted = c.formats?.find((f) => f.format === format)?.modifiers;
  if (!c.formats || !wanted) {
    const modifier = offered[0] ?? MOD_LINEAR;
    return {
      modifier,
      reason:
        modifier === MOD_LINEAR
          ? `LINEAR: the default (no attached device asked for a modifier for ${format}; ${exporter} lays out ${modifierList(offered)})`
          : `${modifierName(modifier)}: ${exporter}'s first (no attached device asked for a modifier for ${format})`,
    };
  }
  const modifier = wanted.find((m) => offered.includes(m));
  if (modifier === undefined) {
    throw new PixelFormatError(
      `the attached devices take ${format} with modifiers ${modifierList(wanted)}, ${exporter} lays out ${modifierList(offered)}: none in common`,
      { format, available: offered.map(modifierName) },
      'Allocate on a device that makes one of those layouts (e.g. the GPU or display itself), or use devices that take LINEAR',
    );
  }
  return {
    modifier,
    reason:
      modifier === MOD_LINEAR
        ? `LINEAR: the attached devices take ${format} with ${modifierList(wanted)} and ${exporter} lays out ${modifierList(offered)}`
        : `${modifierName(modifier)}: the attached devices' first choice for ${format} that ${exporter} lays out`,
  };
}
