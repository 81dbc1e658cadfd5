import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { encodePng } from './png.js';
import { parsePpm } from './ppm.js';
import { openQmp } from './qmp.js';

/**
 * Dump what the virtual display shows (host side, through QMP) to a PNG, and
 * keep QEMU's PPM next to it (same name, .ppm).
 * @param {string} qmpSocket the lab's qmp.sock
 * @param {string} pngPath
 * @returns {Promise<import('./index.js').Screendump>}
 */
export async function screendumpVia(qmpSocket, pngPath) {
  const ppmPath = `${pngPath.replace(/\.png$/i, '')}.ppm`;
  mkdirSync(dirname(pngPath), { recursive: true });
  const qmp = await openQmp(qmpSocket);
  try {
    await qmp.command('screendump', { filename: ppmPath });
  } finally {
    await qmp.close();
  }
  const img = parsePpm(readFileSync(ppmPath));
  writeFileSync(`${pngPath}.tmp`, encodePng(img));
  renameSync(`${pngPath}.tmp`, pngPath);
  return { ...img, path: pngPath, ppmPath };
}
