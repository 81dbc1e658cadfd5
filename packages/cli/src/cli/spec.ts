import type { Io } from './io.js';

/** One option: how it parses and what --help says of it. */
export interface OptionSpec {
  /** The long name, without dashes ('pid' for --pid). */
  name: string;
  /** A one-letter alias, without the dash ('h' for -h); omitted: none. */
  short?: string;
  /** A flag ('boolean') or an option that takes a value ('string'). */
  type: 'boolean' | 'string';
  /** May be given more than once (the values come as an array); omitted: once. */
  multiple?: boolean;
  /** Placeholder in help, e.g. 'PID'. */
  value?: string;
  /** What --help says of it, one line. */
  description: string;
}

/** Parsed option values by option name (what node:util parseArgs gives). */
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** One subcommand of `dmabuf`: its name, help text, options and what it runs. */
export interface CommandSpec {
  /** The subcommand as typed ('ls', 'devices', 'watch'). */
  name: string;
  /** One line for the command list of `dmabuf --help`. */
  summary: string;
  /** Longer text after the usage line. */
  details: string[];
  /** Its options (--help is added to every command). */
  options: OptionSpec[];
  /** Run with the parsed options; resolves with the exit code (EXIT). */
  run(values: OptionValues, io: Io): Promise<number>;
}

export const HELP_OPTION: OptionSpec = {
  name: 'help',
  short: 'h',
  type: 'boolean',
  description: 'show this help and exit',
};
