#!/usr/bin/env node
// Runs `node-gyp` in the current package against the headers that sit beside
// the running node (<prefix>/include/node), so no header download is
// attempted and no per-machine npm config is needed. Then copies the binding
// to prebuilds/<platform>-<arch>/node.napi.<libc>.node, where node-gyp-build
// finds it in the packed package: users install without a compiler.
//
// Then the prebuilds for the other Linux arches (x64, arm64, armv7 hard
// float; glibc), each cross-compiled with Debian's cross compiler in its own
// folder (build-cross/<arch>), so the host's build/ is never touched. N-API
// headers are the same for every arch. A missing cross compiler skips that
// arch with a warning naming the package to install (scripts/setup.sh
// installs them); DMABUF_PREBUILDS=host skips the cross builds on purpose.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { crossTargets } from '../src/targets.js';

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
const run = (args, opts = {}) =>
  spawnSync(process.execPath, [gyp, ...args], { stdio: 'inherit', env, ...opts }).status ?? 1;
const extra = process.argv.slice(2);

/**
 * Incremental: configure only when the build folder is missing or binding.gyp
 * changed; then `node-gyp build` (make) recompiles only what changed and never
 * deletes a working binary that other processes may be loading.
 */
function build(dir, args, runEnv) {
  const makefile = join(dir, 'build', 'Makefile');
  const stale = !existsSync(makefile) || statSync('binding.gyp').mtimeMs > statSync(makefile).mtimeMs;
  if (stale) {
    const rc = run(['configure', ...args, ...extra], { cwd: dir, env: runEnv });
    if (rc !== 0) return rc;
  }
  return run(['build', '--jobs=max', ...args, ...extra], { cwd: dir, env: runEnv });
}

/** The one .node in <dir>/build/Release, copied to prebuilds/linux-<arch>/node.napi.<libc>.node. */
function keep(dir, arch, libc) {
  const release = join(dir, 'build', 'Release');
  const built = readdirSync(release).filter((f) => f.endsWith('.node'));
  if (built.length !== 1) {
    console.error(`dmabuf-build-native: expected one .node in ${release}, found ${built.length}`);
    process.exit(1);
  }
  const target = join('prebuilds', `${process.platform}-${arch}`);
  mkdirSync(target, { recursive: true });
  copyFileSync(join(release, built[0]), join(target, `node.napi.${libc}.node`));
}

const onPath = (cmd) => (env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, cmd)));

let rc = build('.', [], env);
if (rc !== 0) process.exit(rc);
// The prebuild: a node-addon-api binding works on every node with the same
// N-API, so one per platform, arch and C library (node-gyp-build's tags).
const hostLibc = process.report?.getReport?.().header?.glibcVersionRuntime ? 'glibc' : 'musl';
keep('.', process.arch, hostLibc);

if (process.platform !== 'linux' || env.DMABUF_PREBUILDS === 'host') process.exit(0);
for (const t of crossTargets(process.arch)) {
  const cxx = `${t.triplet}-g++`;
  if (!onPath(cxx)) {
    console.warn(
      `dmabuf-build-native: no linux-${t.arch} prebuild: ${cxx} is missing (apt-get install ${t.debPackage})`,
    );
    continue;
  }
  // A folder of its own that sees the package's binding.gyp, sources and node_modules.
  const dir = resolve('build-cross', t.arch);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync('.')) {
    if (['build', 'build-cross', 'prebuilds', 'dist'].includes(f) || existsSync(join(dir, f))) continue;
    symlinkSync(resolve(f), join(dir, f));
  }
  const crossEnv = {
    ...env,
    CC: `${t.triplet}-gcc`,
    CXX: cxx,
    LINK: cxx,
    AR: `${t.triplet}-ar`,
  };
  const t0 = Date.now();
  rc = build(dir, [`--arch=${t.arch}`], crossEnv);
  if (rc !== 0) {
    console.error(`dmabuf-build-native: the linux-${t.arch} cross build failed (${cxx})`);
    process.exit(rc);
  }
  keep(dir, t.arch, 'glibc');
  console.log(
    `dmabuf-build-native: linux-${t.arch} prebuild (${cxx}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
}
