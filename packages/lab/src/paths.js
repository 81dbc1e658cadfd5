import { homedir } from 'node:os';
import { join } from 'node:path';
import { assertObject } from './check.js';

/** Where the lab keeps the kernel, the initramfs and the stamp. */
export function cacheDir(env = process.env) {
  assertObject('env', env);
  if (env.DMABUF_LAB_CACHE) return env.DMABUF_LAB_CACHE;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'dmabuf-lab');
}

export const stampName = 'provisioned.json';
