import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The install script of the packages with an addon (native-install.cjs), run
// as npm/pnpm run it (`node native-install.cjs` in the package's folder) on a
// one-file addon: quiet when it compiles (two lines; node-gyp's output in
// build/node-gyp.log), silent when a binding loads, the log's end and a fix
// when the compiler fails, everything with DMABUF_BUILD_VERBOSE=1.
const script = fileURLToPath(new URL('../native-install.cjs', import.meta.url));
const require = createRequire(import.meta.url);
const gypDir = dirname(
  createRequire(import.meta.resolve('@dmabuf/build-native/targets')).resolve('node-gyp/package.json'),
);
const loaderDir = dirname(require.resolve('node-gyp-build/package.json'));

const ADDON = `#include <node_api.h>
static napi_value Init(napi_env env, napi_value exports) { return exports; }
NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
`;

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'dmabuf-native-install-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A package with one C file (`source`) and node-gyp-build and node-gyp as its dependencies. */
function addonPackage(name: string, source: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `@test/${name}`, version: '1.0.0' }));
  writeFileSync(
    join(dir, 'binding.gyp'),
    JSON.stringify({ targets: [{ target_name: 'tiny', sources: ['tiny.c'] }] }),
  );
  writeFileSync(join(dir, 'tiny.c'), source);
  symlinkSync(loaderDir, join(dir, 'node_modules', 'node-gyp-build'));
  symlinkSync(gypDir, join(dir, 'node_modules', 'node-gyp'));
  return dir;
}

function install(dir: string, env: Record<string, string> = {}) {
  const base = { ...process.env };
  delete base.DMABUF_BUILD_VERBOSE;
  delete base.npm_config_build_from_source;
  return spawnSync(process.execPath, [script], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...base, ...env },
    timeout: 300_000,
  });
}

describe('native-install (the install script of the packages with an addon)', { timeout: 600_000 }, () => {
  it('without a binding: compiles it, printing two progress lines (node-gyp in build/node-gyp.log); then, with one that loads, prints nothing', () => {
    const dir = addonPackage('quiet', ADDON);
    const r = install(dir);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      `@test/quiet: no prebuilt binding for linux-${process.arch}: compiling the native addon (log: ${join(dir, 'build', 'node-gyp.log')})`,
      expect.stringMatching(/^@test\/quiet: native addon built in \d+\.\d s$/),
    ]);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/gyp info|CC\(target\)|make/);
    expect(readFileSync(join(dir, 'build', 'node-gyp.log'), 'utf8')).toMatch(/gyp info ok/);
    expect(existsSync(join(dir, 'build', 'Release', 'tiny.node'))).toBe(true);

    const again = install(dir);
    expect(again.status).toBe(0);
    expect(`${again.stdout}${again.stderr}`).toBe('');
  });

  it('a compiler error: exit code not 0, the end of the log (the error) on stderr, where the whole log is, and what to do', () => {
    const dir = addonPackage('broken', `${ADDON}#error broken on purpose\n`);
    const r = install(dir);
    expect(r.status).not.toBe(0);
    expect(r.stdout).not.toMatch(/gyp info/);
    expect(r.stderr).toMatch(/^@test\/broken: compiling the native addon failed \(node-gyp exit code \d+\)/);
    expect(r.stderr).toContain(join(dir, 'build', 'node-gyp.log'));
    expect(r.stderr).toMatch(/broken on purpose/);
    expect(r.stderr).toMatch(/Fix: install a C\+\+ toolchain .*DMABUF_BUILD_VERBOSE=1/);
  });

  it('DMABUF_BUILD_VERBOSE=1 shows node-gyp itself; --build-from-source (npm_config_build_from_source) builds though a binding loads', () => {
    const dir = addonPackage('verbose', ADDON);
    expect(install(dir).status).toBe(0);
    const r = install(dir, { DMABUF_BUILD_VERBOSE: '1', npm_config_build_from_source: 'true' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/building from source as asked/);
    expect(`${r.stdout}${r.stderr}`).toMatch(/gyp info ok/);
  });
});
