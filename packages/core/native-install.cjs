// The install script of every dmabuf-js package with a native addon (core
// and the drivers): what `node-gyp-build` does at install, with a quiet build.
//
//   core:    "install": "node native-install.cjs"
//   drivers: "install": "node -e \"require('@dmabuf/core/native-install').run()\""
//
// A binding that loads (the prebuild for this platform, arch and libc, or an
// earlier build) means nothing to do, silently. Otherwise the addon is
// compiled from source with node-gyp, printing one line when it starts and
// one when it is done; node-gyp's output goes to build/node-gyp.log, and its
// end is printed when the build fails. DMABUF_BUILD_VERBOSE=1 shows the whole
// build instead; npm_config_build_from_source=true (npm/pnpm
// --build-from-source) builds even when a binding loads.
// CommonJS on purpose: it runs before anything is built, on every node the
// packages support.
'use strict';
const { spawnSync } = require('node:child_process');
const { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join, resolve } = require('node:path');

/** The last lines of a failed build's log that are printed (the compiler's error is at the end). */
const TAIL_LINES = 40;

const FIX =
  'Fix: install a C++ toolchain and the kernel headers (Debian/Ubuntu: apt-get install g++ make python3 linux-libc-dev), ' +
  'then reinstall; or run with DMABUF_BUILD_VERBOSE=1 to see the whole build.';

/** The package's name from its package.json (the folder's name if that cannot be read). */
function packageName(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name || dir;
  } catch {
    return dir;
  }
}

/** Whether node-gyp-build finds a binding for this platform in dir that loads (run in a child: a bad binary cannot take the install down). */
function bindingLoads(dir) {
  let loader;
  try {
    loader = createRequire(join(dir, 'package.json')).resolve('node-gyp-build');
  } catch {
    return false;
  }
  const r = spawnSync(
    process.execPath,
    ['-e', `require(${JSON.stringify(loader)})(${JSON.stringify(dir)})`],
    {
      stdio: 'ignore',
    },
  );
  return r.status === 0;
}

/** How to run node-gyp: the package's own (a dependency), else the one npm and pnpm put on PATH for scripts. */
function nodeGyp(dir) {
  try {
    const gyp = createRequire(join(dir, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
    return { command: process.execPath, args: [gyp] };
  } catch {
    return { command: 'node-gyp', args: [] };
  }
}

/**
 * The environment node-gyp runs in: the headers beside the running node when
 * it has them (distribution packages, official tarballs), so no download is
 * needed; an npm_config_nodedir already set wins.
 */
function gypEnv(env) {
  const prefix = dirname(dirname(process.execPath));
  if (env.npm_config_nodedir || !existsSync(join(prefix, 'include', 'node', 'node_api.h'))) return env;
  return { ...env, npm_config_nodedir: prefix };
}

/** One node-gyp step; its output goes to the log fd (or the terminal when verbose). */
function step(gyp, args, dir, out, env) {
  const r = spawnSync(gyp.command, [...gyp.args, ...args], {
    cwd: dir,
    env,
    stdio: out === 'inherit' ? 'inherit' : ['ignore', out, out],
  });
  if (r.error && out !== 'inherit')
    writeSync(out, `native-install: cannot run node-gyp: ${r.error.message}\n`);
  if (r.error && out === 'inherit') console.error(`native-install: cannot run node-gyp: ${r.error.message}`);
  return r.status ?? 1;
}

/**
 * Make sure the package in `dir` (default: the current folder, as in an
 * install script) has a binding that loads; compile it from source when
 * there is none. Returns the exit code: 0 when a binding loads or was built,
 * node-gyp's code when the build failed (its log's end printed to stderr).
 */
function install(dir = process.cwd(), env = process.env) {
  const name = packageName(dir);
  const verbose = /^(1|true|yes)$/i.test(env.DMABUF_BUILD_VERBOSE ?? '');
  const fromSource = env.npm_config_build_from_source === 'true';
  if (!fromSource && bindingLoads(dir)) return 0;
  const build = join(dir, 'build');
  const log = join(build, 'node-gyp.log');
  const why = fromSource ? 'building from source as asked' : `no prebuilt binding for linux-${process.arch}`;
  console.log(`${name}: ${why}: compiling the native addon (log: ${verbose ? 'shown' : resolve(log)})`);
  const t0 = Date.now();
  rmSync(build, { recursive: true, force: true });
  mkdirSync(build, { recursive: true });
  const gyp = nodeGyp(dir);
  const out = verbose ? 'inherit' : openSync(log, 'w');
  let rc;
  try {
    const runEnv = gypEnv(env);
    rc = step(gyp, ['configure'], dir, out, runEnv);
    if (rc === 0) rc = step(gyp, ['build'], dir, out, runEnv);
  } finally {
    if (out !== 'inherit') closeSync(out);
  }
  if (rc === 0) {
    console.log(`${name}: native addon built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return 0;
  }
  const lines = !verbose && existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n') : [];
  console.error(
    `${name}: compiling the native addon failed (node-gyp exit code ${rc})` +
      (verbose
        ? ''
        : `; the last lines of its log (${resolve(log)}):\n${lines
            .slice(-TAIL_LINES)
            .map((l) => `  ${l}`)
            .join('\n')}`) +
      `\n${FIX}`,
  );
  return rc;
}

/** install() as an install script runs it: its result becomes the process's exit code. */
function run(dir) {
  process.exitCode = install(dir);
}

module.exports = { install, run };

if (require.main === module) run();
