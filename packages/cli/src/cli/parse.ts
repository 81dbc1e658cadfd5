import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './io.js';
import type { OptionSpec, OptionValues } from './spec.js';

/** Parse a command's arguments with node:util parseArgs (strict: unknown options and stray words are usage errors). */
export function parseOptions(command: string, args: string[], specs: readonly OptionSpec[]): OptionValues {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const s of specs) {
    options[s.name] = {
      type: s.type,
      ...(s.short ? { short: s.short } : {}),
      ...(s.multiple ? { multiple: true } : {}),
    };
  }
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    if (positionals.length)
      throw new UsageError(`dmabuf ${command}: unexpected argument '${positionals[0]}'`);
    return values as OptionValues;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const message = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`dmabuf ${command}: ${message}`);
  }
}

/** '--pid 12 --pid 13,14' → [12, 13, 14]; anything else is a usage error naming the option. */
export function intList(name: string, raw: unknown): number[] {
  const items = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).flatMap((v) =>
    String(v).split(','),
  );
  return items.map((v) => {
    if (!/^\d+$/.test(v.trim()) || Number(v) < 1 || !Number.isSafeInteger(Number(v)))
      throw new UsageError(`--${name} expects positive integers, got '${v}'`);
    return Number(v);
  });
}

/** '--exporter udmabuf,system' → ['udmabuf', 'system']. */
export function wordList(name: string, raw: unknown): string[] {
  const items = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).flatMap((v) =>
    String(v).split(','),
  );
  for (const v of items) if (!v.trim()) throw new UsageError(`--${name} expects a name, got an empty one`);
  return items.map((v) => v.trim());
}

/** A number in [min, max] (a usage error otherwise), or the default when absent. */
export function numberOption(
  name: string,
  raw: unknown,
  fallback: number,
  min: number,
  max: number,
  integer = false,
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (
    typeof raw !== 'string' ||
    !raw.trim() ||
    !Number.isFinite(n) ||
    n < min ||
    n > max ||
    (integer && !Number.isInteger(n))
  )
    throw new UsageError(
      `--${name} expects ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got '${raw}'`,
    );
  return n;
}
