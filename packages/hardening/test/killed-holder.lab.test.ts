import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BUFINFO, parseBufInfo, readSystem } from '@dmabuf/cli';
import { V4l2Device } from '@dmabuf/importer-v4l2';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
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

function kernelInodes(): Set<number> {
  return new Set(parseBufInfo(readFileSync(BUFINFO, 'utf8')).buffers.map((b) => b.ino));
}

function heldAnywhere(inodes: number[]): number[] {
  const read = readSystem();
  const seen = new Set<number>();
  for (const p of read.processes) {
    for (const f of p.fds) seen.add(f.ino);
    for (const m of p.mappings) seen.add(m.ino);
  }
  return inodes.filter((i) => seen.has(i));
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
      const exited = new Promise((r) => h.child.once('exit', r));
      h.child.kill('SIGKILL');
      await exited;
      // the kernel frees the files as the process's fds and mappings go: give it a moment
      let left: number[] = h.inodes;
      for (let t = 0; t < 50 && left.length; t++) {
        const k = kernelInodes();
        left = h.inodes.filter((i) => k.has(i));
        if (left.length) await new Promise((r) => setTimeout(r, 100));
      }
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
