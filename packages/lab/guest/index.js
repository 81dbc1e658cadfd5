import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertStrings, invalidArgument } from '../src/check.js';
import { LabError } from '../src/errors.js';
import { parsePpm, pixelAt, readPpm } from '../src/ppm.js';
import { VIVID_BARS } from '../src/vivid-bars.js';

export { parsePpm, pixelAt, readPpm, VIVID_BARS };

const validName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** True inside the dmabuf-lab guest. */
export function inLab() {
  return process.env.DMABUF_LAB === '1';
}

/** Built into the lab kernel: always there, never loaded. */
const builtIn = new Set(['udmabuf', 'dma_heap']);

/**
 * Why the lab drivers `names` cannot be used here, or '' when every one is loaded.
 * Outside the guest: says to run the lab. Inside: a driver that provisioning could
 * not build says why (DMABUF_LAB_UNAVAILABLE), one the run did not ask for says how
 * to ask (`dmabuf-lab vitest --drivers …`).
 * @param {string[]} [names] e.g. ['vim2m'], ['vkms']; 'virtio-gpu' and 'virtio_gpu' both work
 */
export function whyUnavailable(names = []) {
  assertStrings('names', names);
  const list = names.map((n) => n.trim().replaceAll('-', '_'));
  if (!inLab()) {
    const what = list.length ? ` (${list.join(', ')})` : '';
    return `not in the dmabuf-lab guest${what}: run \`pnpm test:lab\` (dmabuf-lab vitest)`;
  }
  const loaded = new Set((process.env.DMABUF_LAB_DRIVERS ?? '').split(/\s+/).filter(Boolean));
  /** @type {Record<string, string>} */
  let failed = {};
  try {
    failed = JSON.parse(process.env.DMABUF_LAB_UNAVAILABLE || '{}');
  } catch {}
  const reasons = [];
  for (const d of list) {
    // A built-in driver this lab's kernel lacks (no dma-heap on arm64) is listed as unavailable.
    if (failed[d]) reasons.push(`${d} is not available: ${failed[d]}`);
    else if (builtIn.has(d) || loaded.has(d)) continue;
    else reasons.push(`${d} is not loaded: add it to the package's \`dmabuf-lab vitest --drivers …\``);
  }
  return reasons.join('; ');
}

/** The guest path of the writable share the host reads back (DMABUF_LAB_OUT). */
export function labOutDir() {
  const out = process.env.DMABUF_LAB_OUT;
  if (!inLab() || !out)
    throw new LabError(
      'not in the dmabuf-lab guest (DMABUF_LAB/DMABUF_LAB_OUT unset): run under `dmabuf-lab run` or `dmabuf-lab vitest`',
      { code: 'ENOLAB' },
    );
  return out;
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @typedef {object} GuestScreendump A screendump as the guest receives it: where its files are and the image.
 * @property {string} path the PNG, as the guest sees it (under DMABUF_LAB_OUT/screendumps)
 * @property {string} ppmPath QEMU's PPM next to it (same name, .ppm), as the guest sees it
 * @property {string} hostPath the PNG's path on the host (for messages a person reads there)
 * @property {number} width pixels per row of the scanout
 * @property {number} height rows
 * @property {Buffer} pixels width × height × 3 bytes, RGB, rows top to bottom, no padding
 */

/**
 * Ask the host for a screendump of the virtual display (virtio-gpu scanout),
 * wait for it, and return the pixels (RGB) from QEMU's PPM.
 * @param {string} name file name without extension: letters, digits, . _ -
 * @param {{ timeoutMs?: number }} [opts]
 * @returns {Promise<GuestScreendump>}
 */
export async function screendump(name, opts = {}) {
  if (typeof name !== 'string' || !validName.test(name))
    throw invalidArgument('name', `a file name matching ${validName}`, name);
  const dir = join(labOutDir(), 'screendumps');
  mkdirSync(dir, { recursive: true });
  const done = join(dir, `${name}.done`);
  rmSync(done, { force: true });
  writeFileSync(join(dir, `${name}.request.tmp`), JSON.stringify({ name, at: Date.now() }));
  renameSync(join(dir, `${name}.request.tmp`), join(dir, `${name}.request`));
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const t0 = Date.now();
  while (!existsSync(done)) {
    if (Date.now() - t0 > timeoutMs)
      throw new LabError(`screendump ${name}: the host did not answer in ${timeoutMs} ms`, {
        code: 'ETIMEDOUT',
      });
    await sleep(50);
  }
  const answer = JSON.parse(readFileSync(done, 'utf8'));
  if (!answer.ok)
    throw new LabError(`screendump ${name} failed on the host: ${answer.error}`, { code: 'EIO' });
  const ppmPath = join(dir, `${name}.ppm`);
  const img = readPpm(ppmPath);
  return { path: join(dir, `${name}.png`), ppmPath, hostPath: answer.png, ...img };
}
