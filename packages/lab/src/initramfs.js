import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { cpioEntry, writeCpio } from './cpio.js';
import { initScript } from './init-script.js';
import { progress } from './log.js';
import { run } from './sh.js';

/** Modules the initramfs itself loads (with their dependencies, in order). */
export const initramfsModules = ['9p', '9pnet_virtio', 'overlay', 'virtio_console'];

/**
 * The .ko files (absolute, in load order) needed for `names`, builtins left out.
 * @param {string} modRoot @param {string} version @param {string[]} names
 */
export function moduleLoadOrder(modRoot, version, names) {
  /** @type {string[]} */
  const order = [];
  for (const name of names) {
    const text = run('modprobe', ['-d', modRoot, '-S', version, '--show-depends', name]);
    for (const line of text.split('\n')) {
      const m = /^insmod\s+(\S+)/.exec(line.trim());
      if (m?.[1] && !order.includes(m[1])) order.push(m[1]);
    }
  }
  return order;
}

/** The contents of one .ko (.ko.xz / .ko.zst decompressed: busybox insmod reads plain ELF only). */
/** @param {string} path @returns {Buffer} */
function readModule(path) {
  if (path.endsWith('.xz')) return execFileSync('xz', ['-dc', path], { maxBuffer: 256 << 20 });
  if (path.endsWith('.zst')) return execFileSync('zstd', ['-dc', path], { maxBuffer: 256 << 20 });
  return readFileSync(path);
}

/**
 * Build the gzip'd initramfs: static busybox, /init, the 9p/overlay/virtio-console modules.
 * @param {{ modRoot: string, version: string, busybox?: string, out: string }} o
 */
export function buildInitramfs({ modRoot, version, busybox = '/bin/busybox', out }) {
  const bb = readFileSync(busybox);
  if (!isStatic(bb)) {
    throw new Error(`${busybox} is not statically linked: install busybox-static`);
  }
  const entries = [
    ...['bin', 'sbin', 'dev', 'proc', 'sys', 'etc', 'lib', 'lib/modules', 'mnt', 'tmp', 'run'].map((d) =>
      cpioEntry.dir(d),
    ),
    cpioEntry.chardev('dev/console', 5, 1),
    cpioEntry.chardev('dev/null', 1, 3, 0o666),
    cpioEntry.file('bin/busybox', bb, 0o755),
    cpioEntry.symlink('bin/sh', 'busybox'),
    cpioEntry.file('init', initScript(), 0o755),
  ];
  const order = moduleLoadOrder(modRoot, version, initramfsModules);
  const names = [];
  for (const path of order) {
    const name = basename(path).replace(/\.(xz|zst|gz)$/, '');
    entries.push(cpioEntry.file(`lib/modules/${name}`, readModule(path)));
    names.push(name);
  }
  entries.push(cpioEntry.file('lib/modules/load-order', `${names.join('\n')}\n`));
  const gz = gzipSync(writeCpio(entries), { level: 6 });
  writeFileSync(`${out}.tmp`, gz);
  renameSync(`${out}.tmp`, out);
  return { modules: names, bytes: gz.length };
}

/** ELF without a PT_INTERP program header = static. */
/** @param {Buffer} elf */
function isStatic(elf) {
  if (elf.readUInt32BE(0) !== 0x7f454c46) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) if (elf.readUInt32LE(phoff + i * phentsize) === 3) return false;
  return true;
}

/**
 * The initramfs at `o.out`, built (buildInitramfs) when it is missing or `rebuild`; after a
 * build, older initramfs files in its folder go, but not one made in the last hour: a
 * checkout on another commit (another /init) may be about to boot it.
 * @param {{ modRoot: string, version: string, busybox?: string, out: string }} o @param {boolean} [rebuild]
 */
export function ensureInitramfs(o, rebuild = false) {
  if (!rebuild && sizeOf(o.out) >= 1 << 10) return;
  progress(`building ${o.out}`);
  const r = buildInitramfs(o);
  progress(`initramfs: ${(r.bytes / 1e6).toFixed(1)} MB, modules ${r.modules.join(' ')}`);
  const cache = dirname(o.out);
  for (const f of readdirSync(cache)) {
    const p = join(cache, f);
    if (/^initramfs-.*\.cpio\.gz$/.test(f) && p !== o.out && Date.now() - statSync(p).mtimeMs > 3600e3)
      rmSync(p, { force: true });
  }
}

/** A file's size, -1 when it is not there. @param {string} p */
function sizeOf(p) {
  try {
    return statSync(p).size;
  } catch {
    return -1;
  }
}
