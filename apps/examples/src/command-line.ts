import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** One option of an example command: how it parses and what --help says of it. */
export interface OptionHelp {
  type: 'string' | 'boolean';
  /** Placeholder in the help, e.g. 'N'. */
  value?: string;
  default?: string;
  description: string;
}

/** An example command: its name, what it does, its options and its positional arguments. */
export interface CommandHelp {
  name: string;
  summary: string;
  /** e.g. '[encode|vkms]' */
  positionals?: string;
  options: Record<string, OptionHelp>;
}

/** Parsed options and positionals, or the exit code when the command line was answered (--help, --version) or refused. */
export type Parsed =
  | { values: Record<string, string | boolean | undefined>; positionals: string[] }
  | { exit: number };

/** `<name> <examples version> (@dmabuf/core <version>)` */
export function versionLine(name: string): string {
  const own = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
  const core = JSON.parse(
    readFileSync(new URL(import.meta.resolve('@dmabuf/core/package.json')), 'utf8'),
  ).version;
  return `${name} ${own} (@dmabuf/core ${core})`;
}

/** The --help text: usage, summary and every option with its placeholder and default. */
export function helpText(c: CommandHelp): string {
  const rows = Object.entries({
    ...c.options,
    help: { type: 'boolean', description: 'show this help and exit' },
    version: { type: 'boolean', description: 'print the version and exit' },
  } as Record<string, OptionHelp>).map(([name, o]) => [
    `--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`,
    `${o.description}${o.default !== undefined ? ` (default ${o.default})` : ''}`,
  ]);
  const width = Math.max(...rows.map(([l]) => l!.length));
  return [
    `Usage: node dist/${c.name}.js [options]${c.positionals ? ` ${c.positionals}` : ''}`,
    '',
    c.summary,
    '',
    'Options:',
    ...rows.map(([l, r]) => `  ${l!.padEnd(width)}  ${r}`),
  ].join('\n');
}

/**
 * Parse an example's command line with node:util parseArgs: --help and
 * --version are answered (exit 0), an unknown option or a missing value is
 * refused on stderr with exit code 2 (usage); a run's failure is the
 * command's own exit code 1.
 */
export function parseCommand(c: CommandHelp, argv: readonly string[]): Parsed {
  const options = Object.fromEntries(
    Object.entries(c.options).map(([k, o]) => [k, o.default === undefined ? { type: o.type } : o]),
  ) as Record<string, { type: 'string' | 'boolean'; default?: string }>;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } },
      allowPositionals: c.positionals !== undefined,
      strict: true,
    });
    if (values.help) return said(helpText(c), 0);
    if (values.version) return said(versionLine(c.name), 0);
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    return said(`${c.name}: ${(e as Error).message}\nRun 'node dist/${c.name}.js --help' for usage.`, 2);
  }
}

function said(text: string, exit: number): Parsed {
  (exit === 0 ? process.stdout : process.stderr).write(`${text}\n`);
  return { exit };
}
