import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import {
  buildPackages,
  extraModules,
  extraModulesDir,
  extraModulesKey,
  kbuildArgs,
} from './extra-modules.js';
import { progress } from './log.js';
import { run, shq } from './sh.js';

/**
 * @typedef {object} ModulesManifest what provisioning built (also in the stamp as `modules`)
 * @property {string} key the recipe it was built by ({@link extraModulesKey})
 * @property {string} kernelVersion
 * @property {string[]} built module names whose .ko is in the kernel tree
 * @property {Record<string, string>} failed module name → why it is not there
 * @property {number} seconds how long the build took
 */

const manifestName = 'manifest.json';

/** @param {string} modRoot @param {string} version */
export function extraModulesPath(modRoot, version) {
  return join(modRoot, 'lib/modules', version, extraModulesDir);
}

/**
 * The manifest of an earlier build by the same recipe, when every module it lists is still there.
 * @param {string} modRoot @param {string} version @returns {ModulesManifest | null}
 */
export function readModulesManifest(modRoot, version) {
  const dir = extraModulesPath(modRoot, version);
  try {
    /** @type {ModulesManifest} */
    const m = JSON.parse(readFileSync(join(dir, manifestName), 'utf8'));
    if (m.key !== extraModulesKey() || m.kernelVersion !== version) return null;
    const files = new Set(readdirSync(dir));
    return m.built.every((n) => files.has(`${koName(n)}.ko`)) ? m : null;
  } catch {
    return null;
  }
}

/** v4l2_mem2mem is built as v4l2-mem2mem.ko (its source's name). */
/** @param {string} name */
const koName = (name) => (name === 'v4l2_mem2mem' ? 'v4l2-mem2mem' : name);

/**
 * Build the extra modules for one kernel: `apt-get download` its headers, kbuild and
 * source at the kernel package's exact version, unpack them under `<cache>/build`
 * (never into /usr/src: installing the headers package would also install a kernel
 * into the host's /boot), build each module out of tree, put the .ko files in the
 * kernel tree's `updates/dmabuf-lab/` and run depmod, so the guest's modprobe finds
 * them with their dependencies. A module that fails is recorded with the reason;
 * the others still build. Never throws for a build failure.
 * @param {{ apt: import('./apt.js').Apt, cache: string, modRoot: string, version: string,
 *   kernelPackage: string }} o
 * @returns {ModulesManifest}
 */
export function buildExtraModules({ apt, cache, modRoot, version, kernelPackage }) {
  const t0 = Date.now();
  const work = join(cache, 'build', version);
  const dest = extraModulesPath(modRoot, version);
  rmSync(work, { recursive: true, force: true });
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  /** @type {ModulesManifest} */
  const manifest = { key: extraModulesKey(), kernelVersion: version, built: [], failed: {}, seconds: 0 };
  progress(`building ${extraModules.map((m) => m.name).join(' ')} for ${version} from the kernel's source`);
  try {
    const { headers, srcRoot } = fetchBuildTree(apt, work, version, kernelPackage);
    for (const m of extraModules) {
      const why = buildOne(m, { headers, srcRoot, work, dest, manifest });
      if (why) {
        manifest.failed[m.name] = why;
        progress(`module ${m.name} did not build: ${why}`);
      } else manifest.built.push(m.name);
    }
    if (manifest.built.length) run('depmod', ['-b', modRoot, version]);
  } catch (e) {
    const why = `no build tree: ${firstLine(e)}`;
    for (const m of extraModules) if (!manifest.built.includes(m.name)) manifest.failed[m.name] = why;
    progress(`modules not built: ${why}`);
  }
  rmSync(work, { recursive: true, force: true });
  manifest.seconds = Math.round((Date.now() - t0) / 100) / 10;
  writeFileSync(join(dest, manifestName), `${JSON.stringify(manifest, null, 2)}\n`);
  const failed = Object.keys(manifest.failed);
  progress(
    `modules built in ${manifest.seconds} s: ${manifest.built.join(' ') || 'none'}` +
      (failed.length ? `; NOT built: ${failed.join(' ')} (tests that need them skip, saying why)` : ''),
  );
  return manifest;
}

/**
 * Download and unpack headers + kbuild + the needed source files; fix the headers' absolute Makefile include.
 * @param {import('./apt.js').Apt} apt @param {string} work @param {string} version @param {string} kernelPackage
 */
function fetchBuildTree(apt, work, version, kernelPackage) {
  const pkgs = buildPackages(version);
  const debVersion = apt.candidateVersion(kernelPackage);
  const debs = join(work, 'debs');
  mkdirSync(debs, { recursive: true });
  const got = apt.downloadExact(
    Object.values(pkgs).map((p) => `${p}=${debVersion}`),
    debs,
  );
  /** @param {string} name */
  const deb = (name) => /** @type {string} */ (got[name]);
  const root = join(work, 'root');
  mkdirSync(root, { recursive: true });
  for (const p of [pkgs.headers, pkgs.common, pkgs.kbuild]) run('dpkg-deb', ['-x', deb(p), root]);
  const headers = join(root, 'usr/src', pkgs.headers);
  // Its Makefile is one line, `include /usr/src/linux-headers-…-common/Makefile`: point it at our unpack.
  const mk = join(headers, 'Makefile');
  writeFileSync(mk, readFileSync(mk, 'utf8').replaceAll('/usr/src/', `${join(root, 'usr/src')}/`));

  const srcRoot = join(work, 'src');
  mkdirSync(srcRoot, { recursive: true });
  const tarball = `./usr/src/${pkgs.source}.tar.xz`;
  const members = extraModules
    .flatMap((m) => m.sources)
    .map((s) => shq(`${pkgs.source}/${s}${s.endsWith('.c') ? '' : '/*'}`));
  progress(`unpacking ${members.length} source paths from ${basename(deb(pkgs.source))}`);
  const sh = `dpkg-deb --fsys-tarfile ${shq(deb(pkgs.source))} | tar -xO ${shq(tarball)} | xz -dc | tar -x -C ${shq(srcRoot)} --strip-components=1 --wildcards ${members.join(' ')}`;
  run('bash', ['-o', 'pipefail', '-c', sh]);
  rmSync(debs, { recursive: true, force: true });
  return { headers, srcRoot };
}

/**
 * Build one module; returns why it failed, or '' when its .ko is in `dest`.
 * @param {import('./extra-modules.js').ExtraModule} m
 * @param {{ headers: string, srcRoot: string, work: string, dest: string, manifest: ModulesManifest }} o
 */
function buildOne(m, { headers, srcRoot, work, dest, manifest }) {
  const missing = (m.symbols ?? []).filter((s) => !manifest.built.includes(s));
  if (missing.length) return `needs ${missing.join(', ')}, which did not build`;
  const dir = join(work, 'mod', m.name);
  mkdirSync(dir, { recursive: true });
  for (const s of m.sources) {
    const from = join(srcRoot, s);
    if (s.endsWith('.c')) copyFileSync(from, join(dir, basename(s)));
    else cpSync(from, dir, { recursive: true });
  }
  if (m.kbuild) writeFileSync(join(dir, 'Kbuild'), m.kbuild);
  progress(`make ${m.name}`);
  const symvers = (m.symbols ?? []).map((s) => join(work, 'mod', s, 'Module.symvers'));
  const args = [
    '-C',
    headers,
    `M=${dir}`,
    `-j${availableParallelism()}`,
    ...kbuildArgs,
    ...(m.config ? [m.config] : []),
    ...(symvers.length ? [`KBUILD_EXTRA_SYMBOLS=${symvers.join(' ')}`] : []),
    'modules',
  ];
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env, LC_ALL: 'C' };
  for (const k of ['MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'ARCH', 'CROSS_COMPILE', 'KBUILD_OUTPUT'])
    delete env[k];
  const r = spawnSync('make', args, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  const log = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const ko = join(dir, `${koName(m.name)}.ko`);
  if (r.error || r.status !== 0) {
    writeFileSync(join(dest, `${m.name}.build.log`), log);
    const err = log.split('\n').find((l) => /error/i.test(l)) ?? log.trim().split('\n').slice(-1)[0];
    return `make exited with ${r.status ?? r.error?.message}: ${err?.trim() ?? ''} (log: ${join(dest, `${m.name}.build.log`)})`;
  }
  try {
    copyFileSync(ko, join(dest, basename(ko)));
  } catch {
    return `make succeeded but left no ${basename(ko)} in ${dirname(ko)}`;
  }
  return '';
}

/** @param {unknown} e */
const firstLine = (e) => String(e instanceof Error ? e.message : e).split('\n')[0];

/**
 * A kernel of one's own (DMABUF_LAB_KERNEL/DMABUF_LAB_MODULES): nothing is built;
 * the extra drivers are there when its modules.dep lists them.
 * @param {string} modRoot @param {string} version @returns {ModulesManifest}
 */
export function ownKernelModules(modRoot, version) {
  let dep = '';
  try {
    dep = readFileSync(join(modRoot, 'lib/modules', version, 'modules.dep'), 'utf8');
  } catch {}
  /** @type {ModulesManifest} */
  const m = { key: extraModulesKey(), kernelVersion: version, built: [], failed: {}, seconds: 0 };
  for (const x of extraModules) {
    const file = new RegExp(`/${koName(x.name).replace(/[-_]/g, '[-_]')}\\.ko(\\.[a-z]+)?:`);
    if (file.test(dep)) m.built.push(x.name);
    else
      m.failed[x.name] =
        `not in your kernel's modules (${modRoot}); build it with ${x.config ?? `CONFIG_${x.name.toUpperCase()}`}=m`;
  }
  return m;
}
