import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { Apt, hostPackages, missingPackages } from './apt.js';
import { invalidArgument } from './check.js';
import { LabError, missingKernelError } from './errors.js';
import { extraModulesKey } from './extra-modules.js';
import { initScriptHash } from './init-script.js';
import { ensureInitramfs } from './initramfs.js';
import { pickKernelPackage } from './kernel-pick.js';
import { withLock } from './lock.js';
import { progress } from './log.js';
import { buildExtraModules, ownKernelModules, readModulesManifest } from './module-build.js';
import { cacheDir, stampName } from './paths.js';
import { has, run } from './sh.js';

/**
 * @typedef {{ kernelVersion: string, kernelPackage: string | null, vmlinuz: string, modRoot: string,
 *   initramfs: string, initHash: string, cache: string, provisionedAt: string,
 *   modules?: import('./module-build.js').ModulesManifest }} LabStamp
 */

/** @param {string} p */
const fileOk = (p, min = 1) => {
  try {
    return statSync(p).size >= min;
  } catch {
    return false;
  }
};

/** Whether an unpacked kernel tree is complete enough to boot. @param {string} root @param {string} version */
export function kernelTreeOk(root, version) {
  return (
    fileOk(join(root, 'boot', `vmlinuz-${version}`), 1 << 20) &&
    fileOk(join(root, 'lib/modules', version, 'modules.order')) &&
    fileOk(join(root, 'lib/modules', version, 'modules.dep'))
  );
}

/** The stamp, when it and everything it names are intact; else null. */
export function readStamp(cache = cacheDir()) {
  if (typeof cache !== 'string' || !cache) throw invalidArgument('cache', 'a folder path', cache);
  try {
    /** @type {LabStamp} */
    const s = JSON.parse(readFileSync(join(cache, stampName), 'utf8'));
    if (!fileOk(s.vmlinuz, 1 << 20) || !fileOk(s.initramfs, 1 << 10)) return null;
    if (!fileOk(join(s.modRoot, 'lib/modules', s.kernelVersion, 'modules.dep'))) return null;
    return s;
  } catch {
    return null;
  }
}

/**
 * A kernel of one's own: DMABUF_LAB_KERNEL + DMABUF_LAB_MODULES.
 * @param {NodeJS.ProcessEnv} env @returns {{ vmlinuz: string, modRoot: string, version: string }}
 */
function ownKernel(env) {
  const vmlinuz = resolve(env.DMABUF_LAB_KERNEL ?? '');
  const modRoot = resolve(env.DMABUF_LAB_MODULES ?? '');
  if (!fileOk(vmlinuz)) throw missingKernelError([`DMABUF_LAB_KERNEL=${vmlinuz} (no such file)`]);
  const modDir = join(modRoot, 'lib/modules');
  const versions = existsSync(modDir) ? readdirSync(modDir) : [];
  const version = env.DMABUF_LAB_KERNEL_VERSION ?? (versions.length === 1 ? versions[0] : undefined);
  if (!env.DMABUF_LAB_MODULES || !version) {
    throw missingKernelError([
      `DMABUF_LAB_MODULES (a folder with exactly one lib/modules/<version>/, or set DMABUF_LAB_KERNEL_VERSION)`,
    ]);
  }
  return { vmlinuz, modRoot, version };
}

/**
 * Make the lab ready: host packages, the kernel, its modules, the initramfs.
 * Idempotent: a second run only checks and says so.
 * @param {{ force?: boolean, env?: NodeJS.ProcessEnv }} [opts]
 * @returns {Promise<LabStamp>}
 */
export async function provision(opts = {}) {
  const env = opts.env ?? process.env;
  const cache = cacheDir(env);
  const t0 = Date.now();
  const apt = new Apt();
  const hashInit = initScriptHash();

  const stamp = opts.force ? null : readStamp(cache);
  const missing = missingPackages(hostPackages);
  const custom = env.DMABUF_LAB_KERNEL ? ownKernel(env) : null;
  if (
    stamp &&
    !missing.length &&
    stamp.initHash === hashInit &&
    (custom || stamp.modules?.key === extraModulesKey()) &&
    (!custom || (custom.vmlinuz === stamp.vmlinuz && custom.modRoot === stamp.modRoot))
  ) {
    progress(`lab already provisioned: kernel ${stamp.kernelVersion}, cache ${cache}`);
    return stamp;
  }

  mkdirSync(cache, { recursive: true });
  return withLock(join(cache, '.provision.lock'), async () => {
    const again = opts.force ? null : readStamp(cache);
    if (
      again &&
      again.initHash === hashInit &&
      again.modules?.key === extraModulesKey() &&
      !missingPackages(hostPackages).length &&
      !custom
    ) {
      progress(`lab provisioned meanwhile by another process: kernel ${again.kernelVersion}, cache ${cache}`);
      return again;
    }
    return doProvision({ cache, apt, hashInit, stamp, missing, custom, t0, force: !!opts.force });
  });
}

/**
 * @param {{ cache: string, apt: Apt, hashInit: string, stamp: LabStamp | null, missing: string[],
 *   custom: { vmlinuz: string, modRoot: string, version: string } | null, t0: number, force: boolean }} o
 * @returns {Promise<LabStamp>}
 */
async function doProvision({ cache, apt, hashInit, stamp, missing, custom, t0, force }) {
  if (missing.length) {
    if (!apt.available)
      throw missingKernelError(
        missing.map((p) => `package ${p}`),
        'apt-get is not available',
      );
    apt.install(missing);
  }
  for (const tool of ['qemu-system-x86_64', 'modprobe', 'depmod', 'xz', 'setpriv']) {
    if (!has(tool))
      throw new LabError(`dmabuf-lab: ${tool} is missing after installing ${hostPackages.join(' ')}`);
  }

  let vmlinuz;
  let modRoot;
  let version;
  let kernelPackage = null;
  if (custom) {
    ({ vmlinuz, modRoot, version } = custom);
    progress(`using your kernel ${vmlinuz} (${version}), modules from ${modRoot}`);
  } else {
    ({ vmlinuz, modRoot, version, kernelPackage } = fetchKernel(apt, cache, stamp));
  }

  if (!fileOk(join(modRoot, 'lib/modules', version, 'modules.dep'))) {
    progress(`depmod -b ${modRoot} ${version}`);
    run('depmod', ['-b', modRoot, version]);
  }
  const modules = custom
    ? ownKernelModules(modRoot, version)
    : (!force && readModulesManifest(modRoot, version)) ||
      buildExtraModules({
        apt,
        cache,
        modRoot,
        version,
        kernelPackage: /** @type {string} */ (kernelPackage),
      });
  const failed = Object.entries(modules.failed);
  if (failed.length) {
    progress(`not available: ${failed.map(([n, why]) => `${n} (${why})`).join('; ')}`);
  }

  const key = createHash('sha256')
    .update(`${vmlinuz}\n${modRoot}\n${version}\n${hashInit}`)
    .digest('hex')
    .slice(0, 12);
  const initramfs = join(cache, `initramfs-${version}-${key}.cpio.gz`);
  ensureInitramfs({ modRoot, version, out: initramfs });

  /** @type {LabStamp} */
  const next = {
    kernelVersion: version,
    kernelPackage,
    vmlinuz,
    modRoot,
    initramfs,
    initHash: hashInit,
    cache,
    provisionedAt: new Date().toISOString(),
    modules,
  };
  writeFileSync(join(cache, stampName), `${JSON.stringify(next, null, 2)}\n`);
  progress(
    `lab provisioned in ${((Date.now() - t0) / 1000).toFixed(1)} s: kernel ${version}, cache ${cache}`,
  );
  return next;
}

/**
 * Find, download and unpack the newest 6.12 backports kernel (reusing an intact unpack).
 * @param {Apt} apt @param {string} cache @param {LabStamp | null} stamp
 */
function fetchKernel(apt, cache, stamp) {
  if (!apt.available) {
    throw missingKernelError(['apt-get / apt-cache', 'linux-image-6.12.*-amd64-unsigned']);
  }
  let picked = null;
  try {
    const added = apt.ensureBackports();
    if (added) apt.update();
    picked = pickKernelPackage(apt.kernelPackageNames());
    if (!picked) {
      apt.update();
      picked = pickKernelPackage(apt.kernelPackageNames());
    }
  } catch (e) {
    if (e instanceof LabError) throw e;
    throw missingKernelError(['linux-image-6.12.*-amd64-unsigned'], firstLine(e));
  }
  if (!picked) throw missingKernelError(['linux-image-6.12.*-amd64-unsigned (apt knows no such package)']);
  const { pkg, kernelVersion: version } = picked;
  const root = join(cache, 'kernel', version);
  if (kernelTreeOk(root, version)) {
    progress(`kernel ${version} already unpacked in ${root}`);
  } else {
    if (stamp) progress(`cache incomplete, redoing the kernel unpack`);
    const debs = join(cache, 'debs');
    mkdirSync(debs, { recursive: true });
    for (const f of readdirSync(debs)) if (f.startsWith(`${pkg}_`)) rmSync(join(debs, f)); // maybe partial
    let deb;
    try {
      deb = apt.download(pkg, debs);
    } catch (e) {
      throw missingKernelError([pkg], lastLine(e));
    }
    const partial = `${root}.partial`;
    rmSync(partial, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    progress(`dpkg-deb -x ${deb}`);
    run('dpkg-deb', ['-x', deb, partial]);
    if (!kernelTreeOk(partial, version) && !fileOk(join(partial, 'boot', `vmlinuz-${version}`), 1 << 20)) {
      throw new LabError(`dmabuf-lab: ${deb} did not unpack to boot/vmlinuz-${version}`);
    }
    run('depmod', ['-b', partial, version]);
    renameSync(partial, root);
    rmSync(deb); // the unpacked tree is what we keep
  }
  return { vmlinuz: join(root, 'boot', `vmlinuz-${version}`), modRoot: root, version, kernelPackage: pkg };
}

/** @param {unknown} e */
const message = (e) => (e instanceof Error ? e.message : String(e));
/** @param {unknown} e */
const firstLine = (e) => message(e).split('\n')[0];
/** @param {unknown} e */
const lastLine = (e) => message(e).split('\n').slice(-1)[0];
