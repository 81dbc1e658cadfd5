import type { Io } from './io.js';

/** One option: how it parses and what --help says of it. */
export interface OptionSpec {
  name: string;
  short?: string;
  type: 'boolean' | 'string';
  multiple?: boolean;
  /** Placeholder in help, e.g. 'PID'. */
  value?: string;
  description: string;
}

/** Parsed option values by option name (what node:util parseArgs gives). */
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** One subcommand of `dmabuf`: its name, help text, options and what it runs. */
export interface CommandSpec {
  name: string;
  summary: string;
  /** Longer text after the usage line. */
  details: string[];
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
