import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { progress } from './log.js';

/** @param {number} pid */
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return /** @type {NodeJS.ErrnoException} */ (e).code === 'EPERM';
  }
};

/**
 * Hold an exclusive lock file while fn runs (one provisioning at a time per
 * cache: several test runs may start the lab at once). A lock whose process
 * is gone is taken over.
 * @template T @param {string} path @param {() => Promise<T>} fn @returns {Promise<T>}
 */
export async function withLock(path, fn, waitMs = 15 * 60_000) {
  const t0 = Date.now();
  let told = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw e;
      const owner = Number(readFileSafe(path));
      if (!owner || !alive(owner)) {
        rmSync(path, { force: true });
        continue;
      }
      if (!told) progress(`waiting for another provisioning (pid ${owner}) to finish`);
      told = true;
      if (Date.now() - t0 > waitMs)
        throw new Error(`dmabuf-lab: ${path} held by pid ${owner} for over ${waitMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}

/** @param {string} path */
function readFileSafe(path) {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
