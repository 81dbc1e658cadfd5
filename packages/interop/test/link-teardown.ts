import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';

// What the lab's link suites check after an owner (a display, a queue, a device) closed while a
// link ran on it: the link's native thread is gone before close() returns, and a file that took
// the closed fd's number at once was never touched by it.

/** Threads of this process named as the link engine names its own ('dmabuf-link'), now. */
function countLinkThreads(): number {
  let n = 0;
  for (const t of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim() === 'dmabuf-link') n++;
    } catch {
      // the thread ended while we looked
    }
  }
  return n;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Threads of this process named 'dmabuf-link', once the kernel has reaped the joined ones:
 * pthread_join returns when the thread's exit clears its tid (CLONE_CHILD_CLEARTID), a moment
 * before the kernel removes the task from /proc/self/task, so a thread joined by close() can
 * still be listed for a few microseconds (seen once in 10 rounds under TCG: 1 instead of 0).
 * Looks again, 1 ms apart, for up to 100 ms while any is listed; a thread that was not joined
 * (still running its loop) stays listed and is counted.
 */
export function linkThreads(): number {
  let n = countLinkThreads();
  for (let i = 0; n > 0 && i < 100; i++) {
    Atomics.wait(pause, 0, 0, 1);
    n = countLinkThreads();
  }
  return n;
}

const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/**
 * Open a file right after fd `closed` was closed: it takes the lowest free number, normally
 * `closed` itself (`reused` says whether it did). A link that still read its old device through
 * that number would move the file's offset; `intact()` reads on from where the offset is (the
 * file is node's own binary: it starts with ELF's magic) and closes it.
 */
export function squatter(closed: number): { reused: boolean; intact(): boolean } {
  const fd = openSync(process.execPath, 'r');
  return {
    reused: fd === closed,
    intact() {
      const b = Buffer.alloc(ELF.length);
      try {
        readSync(fd, b, 0, b.length, null);
      } finally {
        closeSync(fd);
      }
      return b.equals(ELF);
    },
  };
}
