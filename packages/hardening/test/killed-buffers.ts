import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BUFINFO, parseBufInfo, readSystem } from '@dmabuf/cli';

// Where a killed process's dma-bufs are looked for, from outside, the way an
// operator would: the kernel's debugfs list (/sys/kernel/debug/dma_buf/bufinfo)
// and every process's /proc/PID/fd + fdinfo + maps (the cli's readSystem).

/** The inode of every dma-buf the kernel lists now. */
export function kernelInodes(): Set<number> {
  return new Set(parseBufInfo(readFileSync(BUFINFO, 'utf8')).buffers.map((b) => b.ino));
}

/** Those of `inodes` that some process still holds as an fd or a mapping. */
export function heldAnywhere(inodes: number[]): number[] {
  const seen = new Set<number>();
  for (const p of readSystem().processes) {
    for (const f of p.fds) seen.add(f.ino);
    for (const m of p.mappings) seen.add(m.ino);
  }
  return inodes.filter((i) => seen.has(i));
}

/**
 * Give the kernel up to 5 s to free the files as a gone process's fds and
 * mappings go: the `inodes` still in bufinfo after that ([] when every one is gone).
 */
export async function awaitFreed(inodes: number[]): Promise<number[]> {
  let left = inodes;
  for (let t = 0; t < 50 && left.length; t++) {
    if (t) await new Promise((r) => setTimeout(r, 100));
    const k = kernelInodes();
    left = inodes.filter((i) => k.has(i));
  }
  return left;
}

/** SIGKILL `child`, wait for it to exit, then {@link awaitFreed} its `inodes`. */
export async function killAndAwaitFreed(child: ChildProcess, inodes: number[]): Promise<number[]> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return await awaitFreed(inodes);
}
