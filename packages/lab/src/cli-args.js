import { readFileSync } from 'node:fs';
import { parseArgs as parseTokens } from 'node:util';
import { LabError } from './errors.js';

/**
 * @typedef {{ type: 'string' | 'boolean', short?: string, multiple?: boolean, value?: string, description: string }} LabOption
 */

/**
 * Every option of dmabuf-lab, with what --help says of it: the one table the
 * parser (node:util parseArgs) and the help are made from.
 * @type {Record<string, LabOption>}
 */
export const OPTIONS = {
  arch: {
    type: 'string',
    value: 'ARCH',
    description:
      'x64 (default) or arm64: the aarch64 lab (software CPU, an arm64 userland with node for arm64 over the ' +
      "host's root, bindings from prebuilds/linux-arm64; provisioned on first use or by `provision --arch arm64`)",
  },
  drivers: {
    type: 'string',
    value: 'LIST',
    description:
      'modules to load, comma-separated (default vgem,vivid,virtio-gpu; udmabuf and the system dma-heap are ' +
      'built in); provisioning also builds v4l2-mem2mem, vim2m, vicodec, vimc and vkms',
  },
  timeout: {
    type: 'string',
    value: 'SEC',
    description: 'hard limit for boot + command, in seconds (default 1200)',
  },
  cwd: {
    type: 'string',
    value: 'DIR',
    description: 'working directory in the guest (the same path as on the host; default: here)',
  },
  env: {
    type: 'string',
    multiple: true,
    value: 'K=V',
    description: 'extra environment for the command (repeatable)',
  },
  out: {
    type: 'string',
    value: 'DIR',
    description: 'host folder shared as $DMABUF_LAB_OUT (default: a temp folder)',
  },
  keep: { type: 'boolean', description: 'keep the run folder (console.log, out/) even on success' },
  stdin: { type: 'boolean', description: "(run) forward this process' stdin to the command" },
  force: {
    type: 'boolean',
    description: '(provision) provision again even when the lab is already provisioned',
  },
  report: {
    type: 'string',
    value: 'HOSTPATH',
    description: '(vitest) where to write the JSON report (default reports/<package>-lab.json)',
  },
  config: {
    type: 'string',
    value: 'FILE',
    description: '(vitest) the vitest config to run (default vitest.lab.config.ts)',
  },
  help: { type: 'boolean', short: 'h', description: 'show this help and exit' },
  version: { type: 'boolean', short: 'V', description: 'print the version and exit' },
};

/** The commands, in the order --help lists them. */
export const COMMANDS = ['provision', 'run', 'shell', 'vitest'];

function helpText() {
  const rows = Object.entries(OPTIONS).map(([name, o]) => [
    `${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`,
    o.description,
  ]);
  const width = Math.max(...rows.map(([l]) => /** @type {string} */ (l).length));
  return `dmabuf-lab — a real Linux kernel with udmabuf, dma-heaps, vgem, virtio-gpu and vivid, under QEMU

Usage:
  dmabuf-lab provision [--force] [--arch arm64]      download the kernel, build the modules, make the root
  dmabuf-lab run [options] [--] <command...>         boot the lab and run a command there
  dmabuf-lab shell [options]                         boot the lab with an interactive shell
  dmabuf-lab vitest [options] [vitest args...]       run a package's lab tests (other options go to vitest)

Options:
${rows.map(([l, r]) => `  ${/** @type {string} */ (l).padEnd(width)}  ${r}`).join('\n')}

Exit codes: run, shell and vitest give the command's own code; 1 a failure of the lab itself,
2 bad usage (an unknown command or option, a bad value), 124 the lab timed out.
`;
}

export const usage = helpText();

/** `dmabuf-lab <version>` */
export function versionLine() {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return `dmabuf-lab ${pkg.version}\n`;
}

/**
 * @typedef {{ sub: string, drivers?: string[], timeoutSec?: number, cwd?: string, env: Record<string,string>,
 *   out?: string, report?: string, arch?: string, config?: string, keep: boolean, stdin: boolean, force: boolean,
 *   help: boolean, version: boolean, rest: string[] }} ParsedArgs
 */

/** @param {string} message @returns {LabError} */
function usageError(message) {
  return new LabError(`${message}\nRun 'dmabuf-lab --help' for usage.`, { code: 'EUSAGE', exitCode: 2 });
}

const parseConfig = Object.fromEntries(
  Object.entries(OPTIONS).map(([name, o]) => [
    name,
    { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
  ]),
);

/**
 * Parse dmabuf-lab's command line with node:util parseArgs. The command comes
 * first; `run` and `shell` take the command to run after the options (from
 * the first word that is not an option, or after `--`); `vitest` hands
 * options it does not know to vitest. Anything else unknown is a usage error
 * (LabError, exit code 2).
 * @param {string[]} argv process.argv.slice(2)
 * @returns {ParsedArgs}
 */
export function parseArgs(argv) {
  const [first = 'help', ...args] = argv;
  /** @type {ParsedArgs} */
  const o = {
    sub: first,
    env: {},
    keep: false,
    stdin: false,
    force: false,
    help: false,
    version: false,
    rest: [],
  };
  if (first === 'help' || first === '--help' || first === '-h') return { ...o, sub: 'help', help: true };
  if (first === '--version' || first === '-V') return { ...o, sub: 'version', version: true };
  if (first.startsWith('-'))
    throw usageError(`dmabuf-lab: a command comes first (${COMMANDS.join(', ')}), not ${first}`);
  if (!COMMANDS.includes(first))
    throw usageError(`dmabuf-lab: unknown command '${first}' (commands: ${COMMANDS.join(', ')})`);
  const passUnknown = first === 'vitest';
  const commandFollows = first === 'run' || first === 'shell';
  const { tokens } = parseTokens({
    args,
    options: parseConfig,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  let passed = -1;
  for (const t of tokens) {
    if (t.kind === 'option-terminator') {
      o.rest.push(...args.slice(t.index + 1));
      break;
    }
    if (t.kind === 'positional') {
      if (commandFollows) {
        o.rest.push(...args.slice(t.index));
        break;
      }
      if (!passUnknown) throw usageError(`dmabuf-lab ${first}: unexpected argument '${t.value}'`);
      o.rest.push(t.value);
      continue;
    }
    const spec = OPTIONS[t.name];
    const known = spec && (t.rawName === `--${t.name}` || t.rawName === `-${spec.short}`);
    if (!known) {
      if (!passUnknown) throw usageError(`dmabuf-lab ${first}: unknown option '${t.rawName}'`);
      // as given: a group of short options (-tfoo) is one word, passed once
      if (t.index !== passed) o.rest.push(/** @type {string} */ (args[t.index]));
      passed = t.index;
      continue;
    }
    if (spec.type === 'boolean') {
      if (t.value !== undefined) throw usageError(`dmabuf-lab ${first}: ${t.rawName} takes no value`);
      if (
        t.name === 'help' ||
        t.name === 'version' ||
        t.name === 'keep' ||
        t.name === 'stdin' ||
        t.name === 'force'
      )
        o[t.name] = true;
      continue;
    }
    if (t.value === undefined) throw usageError(`dmabuf-lab ${first}: ${t.rawName} needs a value`);
    setOption(o, t.name, t.value, first);
  }
  return o;
}

/** @param {ParsedArgs} o @param {string} name @param {string} value @param {string} sub */
function setOption(o, name, value, sub) {
  switch (name) {
    case 'drivers':
      o.drivers = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (!o.drivers.length)
        throw usageError(`dmabuf-lab ${sub}: --drivers expects module names, got '${value}'`);
      break;
    case 'timeout': {
      const n = Number(value);
      if (!(n > 0)) throw usageError(`dmabuf-lab ${sub}: --timeout expects seconds > 0, got '${value}'`);
      o.timeoutSec = n;
      break;
    }
    case 'env': {
      const eq = value.indexOf('=');
      if (eq <= 0) throw usageError(`dmabuf-lab ${sub}: --env expects K=V, got '${value}'`);
      o.env[value.slice(0, eq)] = value.slice(eq + 1);
      break;
    }
    case 'arch':
    case 'cwd':
    case 'out':
    case 'report':
    case 'config':
      if (!value) throw usageError(`dmabuf-lab ${sub}: --${name} expects a value, got ''`);
      o[name] = value;
      break;
  }
}
