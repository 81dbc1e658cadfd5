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
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
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
const extra = process.argv.slice(2);
const verbose = /^(1|true|yes)$/i.test(env.DMABUF_BUILD_VERBOSE ?? '');
const pkgName = (() => {
  try {
    return JSON.parse(readFileSync('package.json', 'utf8')).name ?? basename(process.cwd());
  } catch {
    return basename(process.cwd());
  }
})();

/**
 * node-gyp's output goes to `log` (appended; DMABUF_BUILD_VERBOSE=1 shows it
 * instead), so a build prints one line per addon, not the compiler's log.
 */
function run(args, opts, log) {
  if (verbose)
    return spawnSync(process.execPath, [gyp, ...args], { stdio: 'inherit', env, ...opts }).status ?? 1;
  const fd = openSync(log, 'a');
  try {
    const r = spawnSync(process.execPath, [gyp, ...args], { stdio: ['ignore', fd, fd], env, ...opts });
    if (r.error) writeSync(fd, `dmabuf-build-native: cannot run node-gyp: ${r.error.message}\n`);
    return r.status ?? 1;
  } finally {
    closeSync(fd);
  }
}

/** Say that a build failed: the end of its log (where the compiler's error is) and where the whole log is. */
function failed(what, log) {
  const lines = existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n') : [];
  console.error(
    `dmabuf-build-native: ${pkgName}: ${what} failed; the last lines of its log (${resolve(log)}):\n` +
      lines
        .slice(-40)
        .map((l) => `  ${l}`)
        .join('\n') +
      '\nFix: install what scripts/setup.sh installs (g++, make, python3, libdrm-dev), or run with DMABUF_BUILD_VERBOSE=1 to see the whole build.',
  );
}

/**
 * Incremental: configure only when the build folder is missing or binding.gyp
 * changed; then `node-gyp build` (make) recompiles only what changed and never
 * deletes a working binary that other processes may be loading.
 */
function build(dir, args, runEnv, what) {
  const makefile = join(dir, 'build', 'Makefile');
  const log = join(dir, 'build', 'node-gyp.log');
  mkdirSync(join(dir, 'build'), { recursive: true });
  writeFileSync(log, `${new Date().toISOString()} ${pkgName}: ${what}\n`);
  const stale = !existsSync(makefile) || statSync('binding.gyp').mtimeMs > statSync(makefile).mtimeMs;
  const rc = stale ? run(['configure', ...args, ...extra], { cwd: dir, env: runEnv }, log) : 0;
  const built =
    rc === 0 ? run(['build', '--jobs=max', ...args, ...extra], { cwd: dir, env: runEnv }, log) : rc;
  if (built !== 0 && !verbose) failed(what, log);
  return built;
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

const t0 = Date.now();
let rc = build('.', [], env, `the linux-${process.arch} addon`);
if (rc !== 0) process.exit(rc);
console.log(
  `dmabuf-build-native: ${pkgName}: linux-${process.arch} addon in ${((Date.now() - t0) / 1000).toFixed(1)} s (log: build/node-gyp.log)`,
);
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
  const t1 = Date.now();
  rc = build(dir, [`--arch=${t.arch}`], crossEnv, `the linux-${t.arch} cross build (${cxx})`);
  if (rc !== 0) process.exit(rc);
  keep(dir, t.arch, 'glibc');
  console.log(
    `dmabuf-build-native: ${pkgName}: linux-${t.arch} prebuild (${cxx}) in ${((Date.now() - t1) / 1000).toFixed(1)} s`,
  );
}
