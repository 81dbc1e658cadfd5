import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Run this demo again inside the virtual lab (vivid camera, virtio-gpu
 * display) and return its exit code. Screendumps land in
 * <repo>/reports/camera-to-display/.
 */
export async function relayToLab(script: string, argv: readonly string[]): Promise<number> {
  const { runInLab } = await import('@dmabuf/lab');
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
  const outDir = join(repo, 'reports', 'camera-to-display');
  mkdirSync(outDir, { recursive: true });
  const r = await runInLab({
    command: [process.execPath, script, '--no-lab', ...argv],
    drivers: ['vivid', 'virtio_gpu'],
    outDir,
    timeoutSec: 900,
  });
  return r.exitCode;
}
