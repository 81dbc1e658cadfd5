import { LabError } from './errors.js';

export const usage = `dmabuf-lab — a real Linux kernel with udmabuf, dma-heaps, vgem, virtio-gpu and vivid, under QEMU

  dmabuf-lab provision [--force] [--arch arm64]
  dmabuf-lab run [options] -- <command...>
  dmabuf-lab shell [options]
  dmabuf-lab vitest [options] [--report HOSTPATH] [vitest args...]

options:
  --arch ARCH      x64 (default) or arm64: the aarch64 lab (software CPU, an arm64 userland
                   with node for arm64 over the host's root, bindings from prebuilds/linux-arm64;
                   provisioned on first use or by \`provision --arch arm64\`)
  --drivers LIST   modules to load, comma-separated (default vgem,vivid,virtio-gpu; udmabuf and
                   the system dma-heap are built in); provisioning also builds
                   v4l2-mem2mem, vim2m, vicodec, vimc and vkms
  --timeout SEC    hard limit for boot + command (default 1200)
  --cwd DIR        working directory in the guest (same path as on the host; default: here)
  --env K=V        extra environment for the command (repeatable)
  --out DIR        host folder shared as $DMABUF_LAB_OUT (default: a temp folder)
  --keep           keep the run folder (console.log, out/) even on success
  --stdin          forward this process' stdin to the command
  --config FILE    (vitest) the vitest config to run (default vitest.lab.config.ts)
`;

/**
 * @typedef {{ sub: string, drivers?: string[], timeoutSec?: number, cwd?: string, env: Record<string,string>,
 *   out?: string, report?: string, arch?: string, config?: string, keep: boolean, stdin: boolean, force: boolean,
 *   help: boolean, rest: string[] }} ParsedArgs
 */

const withValue = new Set([
  '--drivers',
  '--timeout',
  '--cwd',
  '--env',
  '--out',
  '--report',
  '--arch',
  '--config',
]);
const flags = new Set(['--keep', '--stdin', '--force', '--help', '-h']);

/**
 * @param {string[]} argv process.argv.slice(2)
 * @returns {ParsedArgs}
 */
export function parseArgs(argv) {
  const [sub = 'help', ...args] = argv;
  /** @type {ParsedArgs} */
  const o = { sub, env: {}, keep: false, stdin: false, force: false, help: sub === 'help', rest: [] };
  const passUnknown = sub === 'vitest';
  for (let i = 0; i < args.length; i++) {
    const a = /** @type {string} */ (args[i]);
    if (a === '--') {
      o.rest.push(...args.slice(i + 1));
      break;
    }
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (withValue.has(name)) {
      const value = eq > 0 && name !== a ? a.slice(eq + 1) : args[++i];
      if (value === undefined)
        throw new LabError(`dmabuf-lab ${sub}: ${name} needs a value`, { code: 'EUSAGE', exitCode: 2 });
      setOption(o, name, value, sub);
    } else if (flags.has(a)) {
      if (a === '-h' || a === '--help') o.help = true;
      else o[/** @type {'keep'|'stdin'|'force'} */ (a.slice(2))] = true;
    } else if (a.startsWith('-') && !passUnknown) {
      throw new LabError(`dmabuf-lab ${sub}: unknown option ${a}\n\n${usage}`, {
        code: 'EUSAGE',
        exitCode: 2,
      });
    } else if (passUnknown) {
      o.rest.push(a);
    } else {
      o.rest.push(...args.slice(i));
      break;
    }
  }
  return o;
}

/** @param {ParsedArgs} o @param {string} name @param {string} value @param {string} sub */
function setOption(o, name, value, sub) {
  switch (name) {
    case '--drivers':
      o.drivers = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      break;
    case '--timeout': {
      const n = Number(value);
      if (!(n > 0))
        throw new LabError(`dmabuf-lab ${sub}: --timeout expects seconds > 0, got ${value}`, {
          code: 'EUSAGE',
          exitCode: 2,
        });
      o.timeoutSec = n;
      break;
    }
    case '--env': {
      const eq = value.indexOf('=');
      if (eq <= 0)
        throw new LabError(`dmabuf-lab ${sub}: --env expects K=V, got ${value}`, {
          code: 'EUSAGE',
          exitCode: 2,
        });
      o.env[value.slice(0, eq)] = value.slice(eq + 1);
      break;
    }
    default:
      o[/** @type {'cwd'|'out'|'report'} */ (name.slice(2))] = value;
  }
}
