import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// dmabuf-build-native on a one-file addon in a temp package: a build prints one
// progress line and keeps node-gyp's log in build/node-gyp.log; a compiler
// error prints the end of that log (the error itself), its path and a fix.
const BIN = new URL('../bin/dmabuf-build-native.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'build-native-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function addon(source: string): string {
  const pkg = join(dir, `addon-${Math.random().toString(36).slice(2)}`);
  mkdirSync(pkg);
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'test-addon', version: '0.0.0' }));
  writeFileSync(
    join(pkg, 'binding.gyp'),
    JSON.stringify({ targets: [{ target_name: 'test_addon', sources: ['addon.c'] }] }),
  );
  writeFileSync(join(pkg, 'addon.c'), source);
  return pkg;
}

function build(pkg: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, DMABUF_PREBUILDS: 'host' };
  delete env.DMABUF_BUILD_VERBOSE;
  return spawnSync(process.execPath, [BIN], { cwd: pkg, env, encoding: 'utf8' });
}

const GOOD = `#include <node_api.h>
static napi_value init(napi_env env, napi_value exports) { (void)env; return exports; }
NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
`;

describe('dmabuf-build-native output', () => {
  it('a build prints one progress line; the compiler log is kept in build/node-gyp.log', () => {
    const pkg = addon(GOOD);
    const r = build(pkg);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(
      new RegExp(
        `^dmabuf-build-native: test-addon: linux-${process.arch} addon in [\\d.]+ s \\(log: build/node-gyp.log\\)$`,
      ),
    );
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/gyp info|CXX|CC\(target\)|make:/);
    expect(readFileSync(join(pkg, 'build/node-gyp.log'), 'utf8')).toMatch(/gyp info ok/);
    expect(existsSync(join(pkg, `prebuilds/linux-${process.arch}`))).toBe(true);
  });

  it('a compiler error: exit non-zero, the end of the log with the error, its path and a fix', () => {
    const pkg = addon(`${GOOD}\nint broken( { this is not C }\n`);
    const r = build(pkg);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    const log = join(pkg, 'build/node-gyp.log');
    expect(r.stderr).toContain(
      `test-addon: the linux-${process.arch} addon failed; the last lines of its log (${log})`,
    );
    expect(r.stderr).toMatch(/addon\.c:\d+:\d+: error/);
    expect(r.stderr).toMatch(/Fix: install what scripts\/setup.sh installs .* DMABUF_BUILD_VERBOSE=1/);
    expect(readFileSync(log, 'utf8')).toMatch(/error/);
  });
});
