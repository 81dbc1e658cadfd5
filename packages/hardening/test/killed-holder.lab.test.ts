import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { V4l2Device } from '@dmabuf/importer-v4l2';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import { heldAnywhere, kernelInodes, killAndAwaitFreed } from './killed-buffers.js';
import { startReadyChild } from './ready-child.js';

// Issue 15, faults: a process killed (SIGKILL) while it holds dma-bufs mapped, attached and queued on
// a streaming camera. Checked from outside, the way an operator would: every process's
// /proc/PID/fd + fdinfo + maps (the cli's readSystem) and the kernel's debugfs list
// (/sys/kernel/debug/dma_buf/bufinfo). Afterwards none of its buffers exists anywhere, and the
// camera opens and streams again. Repeated, so a leak per kill would add up.
const CHILD = fileURLToPath(new URL('./fixtures/killed-holder-child.mjs', import.meta.url));
const ROUNDS = 3;

function startHolder(): Promise<{ child: ChildProcess; pid: number; inodes: number[] }> {
  return startReadyChild<{ pid: number; inodes: number[] }>(CHILD, [], 'holder');
}

labSuite('a process killed while it holds buffers', { needs: ['vivid'] }, () => {
  it(`SIGKILL with buffers mapped, attached and queued on a streaming camera: none left (fdinfo, maps, debugfs), the camera streams again; ${ROUNDS} rounds`, async () => {
    const kernelBefore = kernelInodes().size;
    for (let round = 0; round < ROUNDS; round++) {
      const h = await startHolder();
      expect(h.inodes).toHaveLength(4);
      // seen from outside while it lives
      expect(heldAnywhere(h.inodes)).toEqual(h.inodes);
      const live = kernelInodes();
      for (const i of h.inodes) expect(live.has(i), `ino ${i} in bufinfo`).toBe(true);
      const left = await killAndAwaitFreed(h.child, h.inodes);
      expect(left, 'buffers of the killed process still in bufinfo').toEqual([]);
      expect(heldAnywhere(h.inodes)).toEqual([]);
      // the camera is free: it opens and streams again
      using cam = V4l2Device.find({ driver: 'vivid', queue: 'capture' });
      const q = cam.queue('capture', { memory: 'mmap', count: 2 });
      for (let i = 0; i < q.count; i++) q.queue(i);
      q.start();
      const f = await q.dequeue({ timeoutMs: 20_000 });
      expect(f.bytesUsed).toBeGreaterThan(0);
      q.close();
    }
    console.log(
      `killed holder: ${ROUNDS} rounds, bufinfo ${kernelBefore} buffers before, ${kernelInodes().size} after`,
    );
    expect(kernelInodes().size).toBe(kernelBefore);
  }, 300_000);
});
