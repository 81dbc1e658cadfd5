#!/usr/bin/env node
// Runs `node-gyp rebuild` in the current package against the headers that sit
// beside the running node (<prefix>/include/node), so no header download is
// attempted and no per-machine npm config is needed. Then copies the binding
// to prebuilds/<platform>-<arch>/node.napi.<libc>.node, where node-gyp-build
// finds it in the packed package: users install without a compiler.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const prefix = dirname(dirname(process.execPath));
const headers = join(prefix, 'include', 'node', 'node_api.h');
const env = { ...process.env };
if (existsSync(headers)) {
  env.npm_config_nodedir = prefix;
} else if (!env.npm_config_nodedir) {
  console.error(
    `dmabuf-build-native: no node headers at ${headers}.\n` +
      'Fix: install the headers for this node (e.g. the nodejs dev package), or set npm_config_nodedir to a folder with include/node.',
  );
  process.exit(1);
}
const require = createRequire(import.meta.url);
const gyp = require.resolve('node-gyp/bin/node-gyp.js');
const run = (...args) => spawnSync(process.execPath, [gyp, ...args], { stdio: 'inherit', env }).status ?? 1;

// Incremental: configure only when the build folder is missing or binding.gyp
// changed; then `node-gyp build` (make) recompiles only what changed and never
// deletes a working binary that other processes may be loading.
const makefile = join('build', 'Makefile');
const stale = !existsSync(makefile) || statSync('binding.gyp').mtimeMs > statSync(makefile).mtimeMs;
const extra = process.argv.slice(2);
if (stale) {
  const rc = run('configure', ...extra);
  if (rc !== 0) process.exit(rc);
}
const rc = run('build', '--jobs=max', ...extra);
if (rc !== 0) process.exit(rc);

// The prebuild: a node-addon-api binding works on every node with the same
// N-API, so one per platform, arch and C library (node-gyp-build's tags).
const release = join('build', 'Release');
const built = readdirSync(release).filter((f) => f.endsWith('.node'));
if (built.length !== 1) {
  console.error(`dmabuf-build-native: expected one .node in ${release}, found ${built.length}`);
  process.exit(1);
}
const libc = process.report?.getReport?.().header?.glibcVersionRuntime ? 'glibc' : 'musl';
const target = join('prebuilds', `${process.platform}-${process.arch}`);
mkdirSync(target, { recursive: true });
copyFileSync(join(release, built[0]), join(target, `node.napi.${libc}.node`));
