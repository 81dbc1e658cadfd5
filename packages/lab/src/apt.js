import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveBackportsEntry, hasSuite } from './apt-sources.js';
import { missingKernelError } from './errors.js';
import { progress } from './log.js';
import { has, run } from './sh.js';

/** The Debian packages the lab and its peers/tools need on the host. */
export const hostPackages = [
  'qemu-system-x86',
  'busybox-static',
  'v4l-utils',
  'libdrm-tests',
  'libdrm-dev',
  'pkg-config',
  'gstreamer1.0-tools',
  'gstreamer1.0-plugins-good',
  'gstreamer1.0-plugins-bad',
  'kmod',
  'util-linux',
  'xz-utils',
  'cpio',
  // building the drivers Debian leaves out (vkms, vim2m, vicodec, vimc) against the kernel's headers
  'make',
  'gcc-12',
  'libelf1',
];

/** @param {string[]} pkgs @returns {string[]} those not installed */
export function missingPackages(pkgs) {
  const out = spawnStatus(pkgs);
  return pkgs.filter((p) => out.get(p) !== 'install ok installed');
}

/** @param {string[]} pkgs @returns {Map<string, string>} */
function spawnStatus(pkgs) {
  const map = new Map();
  if (!has('dpkg-query')) return map;
  // dpkg-query exits 1 when some package is unknown; its stdout still lists the others.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
  const format = '-f=${Package}\t${Status}\n';
  const text = spawnSync('dpkg-query', ['-W', format, ...pkgs], { encoding: 'utf8' }).stdout ?? '';
  for (const line of text.split('\n')) {
    const [name, status] = line.split('\t');
    if (name && status) map.set(name.split(':')[0], status.trim());
  }
  return map;
}

/** apt state for one provisioning run: `apt-get update` at most once. */
export class Apt {
  updated = false;

  get available() {
    return has('apt-get') && has('apt-cache');
  }

  update() {
    if (this.updated) return;
    progress('apt-get update');
    run('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.updated = true;
  }

  /** @param {string[]} pkgs */
  install(pkgs) {
    if (!pkgs.length) return;
    if (!this.available) throw missingKernelError([`apt-get (to install ${pkgs.join(' ')})`]);
    if (process.getuid?.() !== 0) {
      throw missingKernelError([pkgs.join(' ')], `not root: run \`sudo apt-get install ${pkgs.join(' ')}\``);
    }
    progress(`apt-get install ${pkgs.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch {
      this.update();
      run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    }
  }

  /** Make sure a bookworm-backports entry exists; returns true when one was added. */
  ensureBackports(sourcesDir = '/etc/apt/sources.list.d') {
    const texts = [];
    if (existsSync('/etc/apt/sources.list'))
      texts.push(listToDeb822(readFileSync('/etc/apt/sources.list', 'utf8')));
    for (const f of existsSync(sourcesDir) ? readdirSync(sourcesDir) : []) {
      const p = join(sourcesDir, f);
      if (f.endsWith('.sources')) texts.push(readFileSync(p, 'utf8'));
      if (f.endsWith('.list')) texts.push(listToDeb822(readFileSync(p, 'utf8')));
    }
    if (texts.some((t) => hasSuite(t, 'bookworm-backports'))) return false;
    const debian = join(sourcesDir, 'debian.sources');
    const entry = existsSync(debian) ? deriveBackportsEntry(readFileSync(debian, 'utf8')) : null;
    if (!entry)
      throw missingKernelError(
        ['an apt source for bookworm-backports'],
        `no Debian entry in ${debian} to derive it from`,
      );
    const target = join(sourcesDir, 'dmabuf-lab-backports.sources');
    progress(`adding ${target}`);
    writeFileSync(target, `# added by dmabuf-lab (derived from debian.sources)\n${entry}`);
    this.updated = false;
    return true;
  }

  /** Names of the kernel packages apt knows about. */
  kernelPackageNames() {
    return run('apt-cache', ['pkgnames', 'linux-image-6.12']).split('\n').filter(Boolean);
  }

  /** The version apt would install of one package. @param {string} pkg */
  candidateVersion(pkg) {
    const text = run('apt-cache', ['show', '--no-all-versions', pkg]);
    const v = /^Version:\s*(\S+)/m.exec(text)?.[1];
    if (!v) throw new Error(`apt-cache knows no version of ${pkg}`);
    return v;
  }

  /**
   * Download packages (`name=version`) into dir, without installing them.
   * @param {string[]} specs @param {string} dir @returns {Record<string, string>} name → .deb path
   */
  downloadExact(specs, dir) {
    progress(`apt-get download ${specs.join(' ')}`);
    run('apt-get', ['download', '-q', ...specs], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const files = readdirSync(dir);
    /** @type {Record<string, string>} */
    const out = {};
    for (const spec of specs) {
      const name = spec.split('=')[0] ?? spec;
      const deb = files.find((f) => f.startsWith(`${name}_`) && f.endsWith('.deb'));
      if (!deb) throw new Error(`apt-get download ${spec} left no .deb in ${dir}`);
      out[name] = join(dir, deb);
    }
    return out;
  }

  /** Download one package into dir; returns the .deb path. @param {string} pkg @param {string} dir */
  download(pkg, dir) {
    progress(`apt-get download ${pkg}`);
    run('apt-get', ['download', '-q', pkg], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const deb = readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${pkg} left no .deb in ${dir}`);
    return join(dir, deb);
  }
}

/** One-line sources.list syntax → a rough deb822 text, for suite detection only. @param {string} text */
export function listToDeb822(text) {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^deb\s/.test(l))
    .map((l) => {
      const words = l.replace(/\[[^\]]*\]\s*/, '').split(/\s+/);
      return `Types: deb\nURIs: ${words[1]}\nSuites: ${words[2]}\nComponents: ${words.slice(3).join(' ')}\n`;
    })
    .join('\n');
}
