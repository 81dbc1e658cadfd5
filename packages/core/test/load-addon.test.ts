import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnoseAddon } from '../src/addon-platform.js';

// A platform with no prebuild and no compiler, simulated: a package folder
// that ships only some prebuilds, node-gyp-build told another arch or libc
// (npm_config_arch, LIBC: the variables it honours), and a PATH without build tools.
const dist = pathToFileURL(fileURLToPath(new URL('../dist/driver-kit.js', import.meta.url))).href;

describe('loading a binding on a platform without a prebuild', () => {
  let root: string;
  let bare: string;
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'dmabuf-load-'));
    root = join(dir, 'shipped');
    for (const arch of ['x64', 'arm64', 'arm']) {
      mkdirSync(join(root, 'prebuilds', `linux-${arch}`), { recursive: true });
      writeFileSync(join(root, 'prebuilds', `linux-${arch}`, 'node.napi.glibc.node'), 'not loaded');
    }
    writeFileSync(join(root, 'package.json'), '{ "name": "@dmabuf/fake" }\n');
    bare = join(dir, 'bare');
    mkdirSync(bare);
    writeFileSync(join(bare, 'package.json'), '{ "name": "@dmabuf/fake" }\n');
  });
  afterAll(() => rmSync(join(root, '..'), { recursive: true, force: true }));

  function load(dir: string, env: NodeJS.ProcessEnv): { name: string; code: string; message: string } {
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { loadAddon } = await import(${JSON.stringify(dist)});
         try { loadAddon(${JSON.stringify(dir)}, '@dmabuf/fake', { debian: ['libdrm-dev'], alpine: [] }); console.log('{}'); }
         catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }`,
      ],
      { encoding: 'utf8', env: { ...env, HOME: tmpdir() } },
    );
    expect(r.stderr, 'the built core (dist) loads').toBe('');
    return JSON.parse(r.stdout.trim());
  }

  it('another arch (riscv64), no compiler: one error naming the platform, what ships, what is missing and how to install it', () => {
    const e = load(root, { npm_config_arch: 'riscv64', PATH: '/nonexistent' });
    expect(e.name).toBe('NativeLoadError');
    expect(e.code).toBe('ENOENT');
    expect(e.message).toContain('could not be loaded on linux-riscv64 (glibc)');
    expect(e.message).toContain(
      'ships no prebuild for linux-riscv64 (glibc) (it ships: linux-arm (glibc), linux-arm64 (glibc), linux-x64 (glibc))',
    );
    expect(e.message).toContain('lacks: a C++ compiler (g++), make, python3');
    expect(e.message).toContain('apt-get install g++ make python3 libdrm-dev');
    expect(e.message).toContain('apk add g++ make python3 linux-headers');
    expect(e.message).toMatch(/then: npm rebuild @dmabuf\/fake$/);
    expect(e.message).not.toMatch(/pnpm|--filter|scripts\//);
  });

  it('musl on an arch we ship for glibc: the glibc prebuild is not taken, and the error says musl', () => {
    const e = load(root, { LIBC: 'musl', PATH: '/nonexistent' });
    expect(e.message).toContain(`ships no prebuild for linux-${process.arch} (musl)`);
    expect(e.message).toContain('npm rebuild @dmabuf/fake');
  });

  it('a package without a prebuilds folder says it ships none', () => {
    const e = load(bare, { PATH: '/nonexistent' });
    expect(e.message).toContain(`ships no prebuild for linux-${process.arch} (glibc) (it ships: none)`);
  });

  it('a prebuild for this platform that does not load is named as such, not as missing', () => {
    const e = load(root, { PATH: process.env.PATH });
    expect(e.code).toBe('ELIBBAD');
    expect(e.message).toContain(`its prebuild for linux-${process.arch} (glibc) is there but did not load`);
  });

  it('with the build tools on PATH, the hint names none as missing', () => {
    const tools = join(root, '..', 'tools');
    mkdirSync(tools, { recursive: true });
    for (const t of ['g++', 'make', 'python3']) writeFileSync(join(tools, t), '');
    const d = diagnoseAddon(root, '@dmabuf/fake', undefined, { npm_config_arch: 'riscv64', PATH: tools });
    expect(d.hasPrebuild).toBe(false);
    expect(d.missingTools).toEqual([]);
    expect(d.shipped).toEqual(['linux-arm (glibc)', 'linux-arm64 (glibc)', 'linux-x64 (glibc)']);
    expect(d.hint).not.toContain('lacks');
    expect(d.hint).toContain('then: npm rebuild @dmabuf/fake');
  });
});
