import type { CommandSpec, OptionSpec } from './spec.js';

function optionLines(options: readonly OptionSpec[]): string[] {
  const heads = options.map(
    (o) =>
      `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`,
  );
  const width = Math.max(...heads.map((h) => h.length));
  return options.map((o, i) => `  ${heads[i]!.padEnd(width)}  ${o.description}`);
}

/** `dmabuf <command> --help`. */
export function commandHelp(c: CommandSpec): string {
  return [
    `Usage: dmabuf ${c.name} [options]`,
    '',
    c.summary,
    ...(c.details.length ? ['', ...c.details] : []),
    '',
    'Options:',
    ...optionLines(c.options),
    '',
  ].join('\n');
}

/** `dmabuf --help`. */
export function mainHelp(commands: readonly CommandSpec[], globals: readonly OptionSpec[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: dmabuf <command> [options]',
    '',
    'Which processes hold which dma-bufs, and what the cameras, displays and heaps of this machine can do.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    ...optionLines(globals),
    '',
    "Run 'dmabuf <command> --help' for a command's options.",
    'Exit codes: 0 ok, 1 a failure, 2 bad usage.',
    '',
  ].join('\n');
}
