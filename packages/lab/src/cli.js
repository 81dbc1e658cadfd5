import { labArch } from './arch.js';
import { parseArgs, usage, versionLine } from './cli-args.js';
import { LabError } from './errors.js';
import { provision } from './provision.js';
import { provisionArm64 } from './provision-arm64.js';
import { runInLab } from './run.js';

/** @param {string[]} argv @returns {Promise<number>} exit code */
export async function main(argv) {
  try {
    const o = parseArgs(argv);
    if (o.help) {
      process.stdout.write(usage);
      return 0;
    }
    if (o.version) {
      process.stdout.write(versionLine());
      return 0;
    }
    const common = {
      drivers: o.drivers,
      timeoutSec: o.timeoutSec,
      cwd: o.cwd,
      env: o.env,
      outDir: o.out,
      keep: o.keep,
      arch: o.arch,
    };
    // `pnpm lab -- shell` (the root script is `dmabuf-lab run`) means the interactive shell.
    const sub = o.sub === 'run' && o.rest.length === 1 && o.rest[0] === 'shell' ? 'shell' : o.sub;
    if (sub !== o.sub) o.rest = [];
    switch (sub) {
      case 'provision':
        if (labArch(o.arch).name === 'arm64') await provisionArm64({ force: o.force });
        else await provision({ force: o.force });
        return 0;
      case 'run': {
        if (!o.rest.length)
          throw new LabError("dmabuf-lab run: no command given\nRun 'dmabuf-lab --help' for usage.", {
            code: 'EUSAGE',
            exitCode: 2,
          });
        const r = await runInLab({ ...common, command: o.rest, stdin: o.stdin ? process.stdin : undefined });
        return r.exitCode;
      }
      case 'shell': {
        const { rows = 24, columns = 80 } = process.stdout;
        const login = ['/bin/sh', '-c', `stty rows ${rows} cols ${columns} 2>/dev/null; exec /bin/bash -i`];
        const r = await runInLab({ ...common, command: o.rest.length ? o.rest : login, shell: true });
        return r.exitCode;
      }
      case 'vitest': {
        const { runVitest } = await import('./vitest.js');
        return await runVitest({ ...common, report: o.report, config: o.config, args: o.rest });
      }
      default:
        throw new LabError(`dmabuf-lab: unknown command ${o.sub}`, { code: 'EUSAGE', exitCode: 2 });
    }
  } catch (e) {
    if (e instanceof LabError) {
      process.stderr.write(`${e.message}\n`);
      return e.exitCode;
    }
    // Not the lab's own error: say it and exit 1 (the stack with NODE_DEBUG=dmabuf-lab).
    const err = /** @type {Error} */ (e);
    process.stderr.write(`dmabuf-lab: ${err?.message ?? String(e)}\n`);
    if (/\bdmabuf-lab\b/.test(process.env.NODE_DEBUG ?? '')) process.stderr.write(`${err?.stack}\n`);
    return 1;
  }
}
