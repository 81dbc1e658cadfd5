import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { labArch } from './arch.js';
import { guestNodePath } from './arm64-root.js';
import { LabError } from './errors.js';
import { guestOutDir } from './init-script.js';
import { progress } from './log.js';
import { runInLab } from './run.js';

export const labConfigName = 'vitest.lab.config.ts';

/** The package's own vitest entry (vitest/vitest.mjs), resolved from its folder. @param {string} cwd */
export function resolveVitestBin(cwd) {
  try {
    const req = createRequire(join(cwd, 'package.json'));
    return join(dirname(req.resolve('vitest/package.json')), 'vitest.mjs');
  } catch (e) {
    throw new LabError(
      `dmabuf-lab vitest: cannot resolve vitest from ${cwd}: add vitest to its devDependencies and run pnpm install`,
      { code: 'ENOVITEST', cause: e },
    );
  }
}

/** The workspace root: the nearest folder up with pnpm-workspace.yaml (else .git, else cwd). @param {string} cwd */
export function repoRoot(cwd) {
  for (const marker of ['pnpm-workspace.yaml', '.git']) {
    let dir = resolve(cwd);
    for (;;) {
      if (existsSync(join(dir, marker))) return dir;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return resolve(cwd);
}

/** Default report path: <repo>/reports/<package folder>-lab.json (-lab-arm64.json for the aarch64 lab) @param {string} cwd */
export function defaultReportPath(cwd, arch = 'x64') {
  const suffix = arch === 'x64' ? '' : `-${arch}`;
  return join(repoRoot(cwd), 'reports', `${basename(resolve(cwd))}-lab${suffix}.json`);
}

/**
 * The guest argv: node <vitest.mjs> run --config vitest.lab.config.ts, default + JSON reporters, then the caller's args.
 * @param {string} vitestBin @param {string[]} args
 * @param {{ node?: string, config?: string }} [o] the guest's node (the aarch64 lab has its own), another config
 */
export function vitestArgv(vitestBin, args, o = {}) {
  return [
    o.node ?? process.execPath,
    vitestBin,
    'run',
    '--config',
    o.config ?? labConfigName,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${guestOutDir}/report.json`,
    ...args,
  ];
}

/**
 * Boot the lab once and run the package's lab tests inside it.
 * @param {{ cwd?: string, report?: string, config?: string, args?: string[] } & Omit<import('./run.js').RunOptions, 'command'>} o
 * @returns {Promise<number>} vitest's exit code
 */
export async function runVitest(o) {
  const cwd = resolve(o.cwd ?? process.cwd());
  const config = o.config ?? labConfigName;
  if (!existsSync(join(cwd, config))) {
    throw new LabError(
      `dmabuf-lab vitest: no ${config} in ${cwd} (${labConfigName} should include test/**/*.lab.test.ts)`,
      { code: 'ENOCONFIG' },
    );
  }
  const bin = resolveVitestBin(cwd);
  const arch = labArch(o.arch);
  const report = resolve(o.report ?? defaultReportPath(cwd, arch.name));
  const node = arch.name === 'arm64' ? guestNodePath : undefined;
  const r = await runInLab({
    ...o,
    cwd,
    command: vitestArgv(bin, o.args ?? [], { node, config }),
    keep: true,
  });
  const produced = join(r.outDir, 'report.json');
  if (existsSync(produced)) {
    mkdirSync(dirname(report), { recursive: true });
    copyFileSync(produced, report);
    progress(`report: ${report}`);
  } else {
    progress(
      `vitest wrote no JSON report (exit ${r.exitCode}); console log: ${join(r.runDir, 'console.log')}`,
    );
  }
  const shots = join(r.outDir, 'screendumps');
  const pngs = existsSync(shots) ? readdirSync(shots).filter((f) => f.endsWith('.png')) : [];
  if (pngs.length) {
    const dest = `${report.replace(/\.json$/, '')}-screendumps`;
    mkdirSync(dest, { recursive: true });
    for (const f of pngs) copyFileSync(join(shots, f), join(dest, f));
    progress(`screendumps: ${dest}`);
  }
  if (r.exitCode === 0 && !o.keep && !process.env.DMABUF_LAB_KEEP)
    rmSync(r.runDir, { recursive: true, force: true });
  return r.exitCode;
}
