import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedForeignNode } from '@dmabuf/build-native/foreign-node';
import { qemuMissing } from '@dmabuf/build-native/qemu-pool';
import { crossTargets, prebuildTargets } from '@dmabuf/build-native/targets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What a user gets from npm: each published package packed (pnpm pack, as
// `changeset publish` does), the tarballs installed into an empty project
// with npm and --ignore-scripts, so nothing is compiled there: the bindings
// must come from the prebuilds inside the tarballs.
const here = fileURLToPath(new URL('.', import.meta.url));
const packages = join(here, '..', '..');
const published = ['core', 'exporter-udmabuf', 'exporter-heap', 'exporter-drm', 'importer-v4l2'];
/** Published packages without a binding of their own. */
const plain = ['cli'];
const prebuildOf = (arch: string): string => `prebuilds/linux-${arch}/node.napi.glibc.node`;
const prebuild = prebuildOf(process.arch);
/** ELF e_machine of each arch we ship (x86-64, AArch64, ARM) and its class (2: 64-bit, 1: 32-bit). */
const elf: Record<string, { machine: number; class: number }> = {
  x64: { machine: 62, class: 2 },
  arm64: { machine: 183, class: 2 },
  arm: { machine: 40, class: 1 },
};

describe('the packed packages, installed without install scripts', () => {
  let dir: string;
  let tarballs: string[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dmabuf-install-'));
    const packs = join(dir, 'packs');
    for (const p of [...published, ...plain]) {
      execFileSync('pnpm', ['pack', '--pack-destination', packs], { cwd: join(packages, p), stdio: 'pipe' });
    }
    tarballs = readdirSync(packs).map((f) => join(packs, f));
    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true, "type": "module" }\n');
    // The registry is a network away: a failed attempt is retried (twice) before the suite fails.
    for (let attempt = 1; ; attempt++) {
      try {
        execFileSync(
          'npm',
          ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', ...tarballs],
          {
            cwd: app,
            stdio: 'pipe',
            timeout: 120_000,
            env: { ...process.env, npm_config_update_notifier: 'false' },
          },
        );
        break;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** The tarballs of the packages with a native binding. */
  const withBinding = () => tarballs.filter((t) => !plain.some((p) => t.includes(`dmabuf-${p}-`)));

  it('every tarball holds its prebuilt binding, its dist and no build folder', () => {
    expect(tarballs).toHaveLength(published.length + plain.length);
    for (const t of withBinding()) {
      const files = execFileSync('tar', ['-tzf', t], { encoding: 'utf8' }).split('\n');
      expect(files, t).toContain(`package/${prebuild}`);
      expect(files, t).toContain('package/dist/index.js');
      expect(
        files.some((f) => f.startsWith('package/build/')),
        t,
      ).toBe(false);
      expect(
        files.some((f) => f.startsWith('package/test/')),
        t,
      ).toBe(false);
    }
  });

  it('every tarball holds a prebuild for each platform we ship (linux x64, arm64, armv7; glibc), each an ELF of its arch', () => {
    for (const t of withBinding()) {
      const files = execFileSync('tar', ['-tzf', t], { encoding: 'utf8' }).split('\n');
      for (const { arch } of prebuildTargets) {
        expect(files, `${t}: ${prebuildOf(arch)}`).toContain(`package/${prebuildOf(arch)}`);
        const head = execFileSync('tar', ['-xzOf', t, `package/${prebuildOf(arch)}`]).subarray(0, 20);
        expect(head.subarray(0, 4).toString('latin1'), `${t}: ${arch}`).toBe('\x7fELF');
        expect({ class: head[4], machine: head.readUInt16LE(18) }, `${t}: ${arch}`).toEqual(elf[arch]);
      }
    }
  });

  it('every source map and declaration map in a tarball points to sources the tarball holds', () => {
    for (const t of tarballs) {
      const out = mkdtempSync(join(dir, 'unpacked-'));
      execFileSync('tar', ['-xzf', t, '-C', out]);
      const files = new Set(execFileSync('tar', ['-tzf', t], { encoding: 'utf8' }).split('\n'));
      const maps = [...files].filter((f) => f.endsWith('.map'));
      expect(maps.length, t).toBeGreaterThan(0);
      for (const m of maps) {
        const { sources } = JSON.parse(readFileSync(join(out, m), 'utf8')) as { sources: string[] };
        for (const s of sources)
          expect(files, `${t}: ${m} -> ${s}`).toContain(posix.join(posix.dirname(m), s));
      }
    }
  });

  it('the dmabuf command works once installed: --version, --help, ls --json, and exit 2 for an unknown option', () => {
    const app = join(dir, 'app');
    const bin = join(app, 'node_modules', '.bin', 'dmabuf');
    const version = JSON.parse(
      execFileSync('tar', ['-xzOf', tarballs.find((t) => t.includes('cli'))!, 'package/package.json'], {
        encoding: 'utf8',
      }),
    ).version;
    expect(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()).toBe(version);
    expect(execFileSync(bin, ['--help'], { encoding: 'utf8' })).toMatch(/^Usage: dmabuf /m);
    const ls = JSON.parse(execFileSync(bin, ['ls', '--json'], { encoding: 'utf8' }));
    expect(Array.isArray(ls.buffers)).toBe(true);
    const bad = spawnSync(bin, ['--no-such-option'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/no-such-option/);
  });

  it('each package loads its binding from the prebuild, and it works; the core runs a buffer through a channel', () => {
    const app = join(dir, 'app');
    copyFileSync(join(here, 'smoke.mjs'), join(app, 'smoke.mjs'));
    const out = execFileSync(process.execPath, ['smoke.mjs'], { cwd: app, encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    for (const p of published) {
      expect(r.bindings[`@dmabuf/${p}`], p).toEqual({ path: prebuild, works: true });
      // nothing was compiled in the user's project
      expect(existsSync(join(app, 'node_modules', '@dmabuf', p, 'build')), p).toBe(false);
    }
    expect(r.core).toEqual({ sameBuffer: true, meta: { seq: 1 }, sum: 7 * 4096, fdsLeft: 0 });
  });
  // Where no prebuild fits (another libc or arch), npm builds a driver from
  // source: its binding.gyp finds the native toolkit's headers and flags in
  // the installed @dmabuf/core (require('@dmabuf/core/native-build')), not in
  // the workspace. Built here by the package's own install script, run as npm
  // runs it (`npm run install`), in a copy of the installed package without
  // its prebuilds: it prints progress lines, not node-gyp's log (kept in
  // build/node-gyp.log); then loaded, the addon refuses a bad argument with
  // core's typed error.
  it('a driver builds from source by its install script against the installed @dmabuf/core (native toolkit headers and flags), printing progress lines and not the compiler log, loads, and refuses a bad argument with InvalidArgumentError', () => {
    const app = join(dir, 'app');
    const src = join(app, 'from-source', 'exporter-heap');
    execFileSync('mkdir', ['-p', join(app, 'from-source')]);
    execFileSync('cp', ['-r', join(app, 'node_modules', '@dmabuf', 'exporter-heap'), src]);
    rmSync(join(src, 'prebuilds'), { recursive: true, force: true });
    const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false' };
    delete env.DMABUF_BUILD_VERBOSE;
    const r = spawnSync('npm', ['run', 'install'], { cwd: src, env, encoding: 'utf8', timeout: 600_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(
      /@dmabuf\/exporter-heap: no prebuilt binding for linux-\w+: compiling the native addon/,
    );
    expect(r.stdout).toMatch(/@dmabuf\/exporter-heap: native addon built in/);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/gyp info|CXX\(target\)/);
    expect(readFileSync(join(src, 'build', 'node-gyp.log'), 'utf8')).toMatch(/gyp info ok/);
    expect(readFileSync(join(src, 'build', 'dmabuf_heap.target.mk'), 'utf8')).toContain(
      join(app, 'node_modules', '@dmabuf', 'core', 'native', 'include'),
    );
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { loadAddon } from '@dmabuf/core/driver';
         const heap = loadAddon(${JSON.stringify(src)}, '@dmabuf/exporter-heap');
         try { heap.alloc(0, -1, 0, 0); console.log('accepted'); } catch (e) { console.log(e.name, e.code); }`,
      ],
      { cwd: app, encoding: 'utf8' },
    );
    expect(out.trim()).toBe('InvalidArgumentError EINVAL');
  }, 900_000);
  // The other arches' prebuilds, loaded by a node of that arch (from the npm
  // registry's node-linux-* packages) under qemu-user with the cross
  // compiler's sysroot as its root: the same smoke, in the same installed project.
  for (const target of crossTargets(process.arch)) {
    it(`under qemu-user, linux-${target.arch}: each package loads its ${target.arch} prebuild and it works; the core runs a buffer through a channel`, () => {
      expect(qemuMissing(target.arch), 'what running it under qemu-user needs').toEqual([]);
      const app = join(dir, 'app');
      copyFileSync(join(here, 'smoke.mjs'), join(app, 'smoke.mjs'));
      const out = execFileSync(target.qemu, ['-L', target.sysroot, cachedForeignNode(target)!, 'smoke.mjs'], {
        cwd: app,
        encoding: 'utf8',
        timeout: 240_000,
      });
      const r = JSON.parse(out.trim().split('\n').pop()!);
      expect(r.arch).toBe(target.arch);
      for (const p of published) {
        expect(r.bindings[`@dmabuf/${p}`], p).toEqual({ path: prebuildOf(target.arch), works: true });
      }
      expect(r.core).toEqual({ sameBuffer: true, meta: { seq: 1 }, sum: 7 * 4096, fdsLeft: 0 });
    });
  }
});
