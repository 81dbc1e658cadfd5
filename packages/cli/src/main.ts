import { readFileSync } from 'node:fs';
import { assertObject, invalidArgument } from '@dmabuf/core';
import { commandHelp, mainHelp } from './cli/help.js';
import { EXIT, type Io, processIo, UsageError } from './cli/io.js';
import { parseOptions } from './cli/parse.js';
import { type CommandSpec, HELP_OPTION, type OptionSpec } from './cli/spec.js';
import { devicesCommand } from './commands/devices.js';
import { lsCommand } from './commands/ls.js';
import { watchCommand } from './commands/watch.js';

/** The commands of `dmabuf`: ls, devices, watch. */
export const COMMANDS: readonly CommandSpec[] = [lsCommand, devicesCommand, watchCommand];

export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  HELP_OPTION,
  { name: 'version', short: 'V', type: 'boolean', description: 'print the version and exit' },
];

/** This package's version (package.json). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function checkMainArgs(argv: unknown, io: unknown): void {
  if (!Array.isArray(argv)) throw invalidArgument('argv', 'an array of strings', argv);
  argv.forEach((a, i) => {
    if (typeof a !== 'string') throw invalidArgument(`argv[${i}]`, 'a string', a);
  });
  assertObject('io', io);
  const o = io as Record<string, unknown>;
  if (typeof o.out !== 'function') throw invalidArgument('io.out', 'a function', o.out);
  if (typeof o.err !== 'function') throw invalidArgument('io.err', 'a function', o.err);
}

function failureText(e: unknown): string {
  const err = e as { message?: unknown; hint?: unknown; code?: unknown };
  const code = typeof err.code === 'string' ? ` (${err.code})` : '';
  const hint = typeof err.hint === 'string' && err.hint ? `\n  ${err.hint}` : '';
  return `dmabuf: ${String(err.message ?? e)}${code}${hint}\n`;
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith('-')) {
    const values = parseOptions('', argv, GLOBAL_OPTIONS);
    if (values.version) {
      io.out(`${version()}\n`);
      return EXIT.ok;
    }
    if (values.help) {
      io.out(mainHelp(COMMANDS, GLOBAL_OPTIONS));
      return EXIT.ok;
    }
    throw new UsageError('dmabuf: a command is needed');
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command)
    throw new UsageError(
      `dmabuf: unknown command '${first}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`,
    );
  const values = parseOptions(command.name, rest, command.options);
  if (values.help) {
    io.out(commandHelp(command));
    return EXIT.ok;
  }
  return await command.run(values, io);
}

/**
 * Run the dmabuf command with these arguments; resolves to the exit code
 * (0 ok, 1 a failure, 2 bad usage). Never throws for what is on the command line; an `argv` that
 * is not an array of strings or an `io` without `out`/`err` functions (a programming error) rejects
 * with an InvalidArgumentError.
 */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  checkMainArgs(argv, io);
  try {
    return await dispatch(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      const where = argv[0] && COMMANDS.some((c) => c.name === argv[0]) ? ` ${argv[0]}` : '';
      io.err(`${e.message.replace(/^dmabuf ?: /, 'dmabuf: ')}\nRun 'dmabuf${where} --help' for usage.\n`);
      return EXIT.usage;
    }
    io.err(failureText(e));
    return EXIT.failure;
  }
}
