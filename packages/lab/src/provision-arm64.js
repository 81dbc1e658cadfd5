import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Apt, missingPackages } from './apt.js';
import { labArches } from './arch.js';
import { arm64RootKey, arm64RootOk, buildArm64Root, guestNode } from './arm64-root.js';
import { LabError, missingKernelError } from './errors.js';
import { initScriptHash } from './init-script.js';
import { ensureInitramfs } from './initramfs.js';
import { pickKernelPackage } from './kernel-pick.js';
import { withLock } from './lock.js';
import { progress } from './log.js';
import { cacheDir, stampName } from './paths.js';
import { kernelTreeOk, readStamp } from './provision.js';
import { has, run } from './sh.js';

/**
 * Provisioning of the aarch64 lab, only when asked for (`dmabuf-lab provision --arch arm64`,
 * or the first `--arch arm64` run). Everything lives in `<cache>/arm64/`; the x86 lab's cache
 * and provisioning are untouched. Steps: qemu-system-arm; arm64 as a dpkg foreign architecture
 * (so apt can download arm64 packages; nothing arm64 is installed); the newest bookworm-backports
 * linux-image-6.12.*-arm64-unsigned, unpacked; the arm64 root (arm64-root.js); an initramfs with
 * the arm64 busybox. Idempotent: a second run only checks.
 */

/** Host packages the aarch64 lab needs (beyond what dpkg/apt already are). */
export const arm64HostPackages = [
  labArches.arm64.qemuPackage,
  'kmod',
  'xz-utils',
  'util-linux',
  'busybox-static',
];

/**
 * @typedef {import('./provision.js').LabStamp & { arch: 'arm64', root: string, rootKey: string, node: string }} Arm64Stamp
 */

/** @param {NodeJS.ProcessEnv} [env] */
export function arm64CacheDir(env = process.env) {
  return join(cacheDir(env), 'arm64');
}

/** The arm64 stamp when it and everything it names are intact and current; else null. */
export function readArm64Stamp(cache = arm64CacheDir()) {
  const s = /** @type {Arm64Stamp | null} */ (readStamp(cache));
  if (!s || s.initHash !== initScriptHash() || s.rootKey !== arm64RootKey() || !arm64RootOk(s.root))
    return null;
  return s;
}

const hasForeignArch = () => run('dpkg', ['--print-foreign-architectures']).split('\n').includes('arm64');

/**
 * @param {{ force?: boolean, env?: NodeJS.ProcessEnv }} [opts]
 * @returns {Promise<Arm64Stamp>}
 */
export async function provisionArm64(opts = {}) {
  const env = opts.env ?? process.env;
  const cache = arm64CacheDir(env);
  const ready = () =>
    !opts.force && !missingPackages(arm64HostPackages).length && has(labArches.arm64.qemu)
      ? readArm64Stamp(cache)
      : null;
  const stamp = ready();
  if (stamp) {
    progress(`arm64 lab already provisioned: kernel ${stamp.kernelVersion}, cache ${cache}`);
    return stamp;
  }
  mkdirSync(cache, { recursive: true });
  return withLock(join(cache, '.provision.lock'), async () => {
    const again = ready();
    if (again) {
      progress(`arm64 lab provisioned meanwhile by another process: kernel ${again.kernelVersion}`);
      return again;
    }
    return doProvision(cache, !!opts.force);
  });
}

/** @param {string} cache @param {boolean} force @returns {Arm64Stamp} */
function doProvision(cache, force) {
  const t0 = Date.now();
  const apt = new Apt();
  if (!apt.available) throw missingKernelError(['apt-get / apt-cache', 'linux-image-6.12.*-arm64-unsigned']);
  const missing = missingPackages(arm64HostPackages);
  if (missing.length) apt.install(missing);
  if (!has(labArches.arm64.qemu))
    throw new LabError(
      `dmabuf-lab: ${labArches.arm64.qemu} is missing after installing ${labArches.arm64.qemuPackage}`,
    );
  if (!hasForeignArch()) {
    if (process.getuid?.() !== 0)
      throw missingKernelError(
        ['arm64 as a dpkg foreign architecture'],
        'not root: run `sudo dpkg --add-architecture arm64 && sudo apt-get update`',
      );
    progress('dpkg --add-architecture arm64 (lets apt download arm64 packages; none is installed)');
    run('dpkg', ['--add-architecture', 'arm64']);
    apt.updated = false;
    apt.update();
  }
  if (apt.ensureBackports()) apt.update();
  let picked = pickKernelPackage(apt.kernelPackageNames(), 'arm64');
  if (!picked || !arm64PackagesKnown()) {
    apt.update();
    picked = pickKernelPackage(apt.kernelPackageNames(), 'arm64');
  }
  if (!picked) throw missingKernelError(['linux-image-6.12.*-arm64-unsigned (apt knows no such package)']);
  const { pkg, kernelVersion: version } = picked;

  const modRoot = join(cache, 'kernel', version);
  if (kernelTreeOk(modRoot, version)) {
    progress(`arm64 kernel ${version} already unpacked in ${modRoot}`);
  } else {
    const debs = join(cache, 'debs');
    mkdirSync(debs, { recursive: true });
    for (const f of readdirSync(debs)) if (f.startsWith(`${pkg}_`)) rmSync(join(debs, f));
    progress(`apt-get download ${pkg}:arm64`);
    run('apt-get', ['download', '-q', `${pkg}:arm64`], { cwd: debs, stdio: ['ignore', 'ignore', 'pipe'] });
    const deb = readdirSync(debs).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
    if (!deb) throw missingKernelError([`${pkg}:arm64`], `apt-get download left no .deb in ${debs}`);
    const partial = `${modRoot}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    progress(`dpkg-deb -x ${deb}`);
    run('dpkg-deb', ['-x', join(debs, deb), partial]);
    run('depmod', ['-b', partial, version]);
    rmSync(modRoot, { recursive: true, force: true });
    renameSync(partial, modRoot);
    rmSync(join(debs, deb));
  }
  const vmlinuz = join(modRoot, 'boot', `vmlinuz-${version}`);

  const rootKey = arm64RootKey();
  const root = join(cache, `root-${rootKey}`);
  if (force || !arm64RootOk(root)) {
    const r = buildArm64Root({ cache, out: root });
    progress(`arm64 root: ${r.packages.length} Debian packages + ${r.node} in ${root}`);
  }
  for (const f of readdirSync(cache)) {
    if (/^root-[0-9a-f]+$/.test(f) && join(cache, f) !== root)
      rmSync(join(cache, f), { recursive: true, force: true });
  }

  const initHash = initScriptHash();
  const key = createHash('sha256')
    .update(`${vmlinuz}\n${version}\n${initHash}\n${rootKey}`)
    .digest('hex')
    .slice(0, 12);
  const initramfs = join(cache, `initramfs-${version}-${key}.cpio.gz`);
  ensureInitramfs({ modRoot, version, out: initramfs, busybox: join(root, 'usr/bin/busybox') }, force);

  /** @type {Arm64Stamp} */
  const stamp = {
    arch: 'arm64',
    kernelVersion: version,
    kernelPackage: pkg,
    vmlinuz,
    modRoot,
    initramfs,
    initHash,
    cache,
    root,
    rootKey,
    node: `${guestNode.pkg}@${guestNode.version}`,
    provisionedAt: new Date().toISOString(),
    modules: {
      key: '',
      kernelVersion: version,
      built: [],
      failed: { ...labArches.arm64.unavailable },
      seconds: 0,
    },
  };
  writeFileSync(join(cache, stampName), `${JSON.stringify(stamp, null, 2)}\n`);
  progress(
    `arm64 lab provisioned in ${((Date.now() - t0) / 1000).toFixed(1)} s: kernel ${version}, cache ${cache}`,
  );
  return stamp;
}

/** Whether apt has arm64 package lists (after --add-architecture, an update is needed once). */
function arm64PackagesKnown() {
  try {
    return /Architecture: arm64/.test(
      run('apt-cache', ['show', '--no-all-versions', 'busybox-static:arm64']),
    );
  } catch {
    return false;
  }
}
