import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { POLL_BITS } from '@dmabuf/core/driver';
import { describe, expect, it } from 'vitest';
import { FdPoller } from '../src/poller.js';

// The libuv poller is generic: a FIFO stands in for a device fd on the host.
function fifo(): number {
  const path = join(mkdtempSync(join(tmpdir(), 'v4l2-poll-')), 'fifo');
  execFileSync('mkfifo', [path]);
  return openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
}

describe('FdPoller (libuv readiness)', () => {
  it('resolves when the fd becomes readable, without blocking the loop', async () => {
    const fd = fifo();
    const p = new FdPoller(fd, 'fifo');
    try {
      let ready = false;
      const wait = p.wait(POLL_BITS.READABLE).then((ev) => {
        ready = true;
        return ev;
      });
      await new Promise((r) => setTimeout(r, 20));
      expect(ready).toBe(false);
      writeSync(fd, 'x');
      expect((await wait) & POLL_BITS.READABLE).toBeTruthy();
      expect(p.waiting).toBe(0);
    } finally {
      p.close();
      closeSync(fd);
    }
  });

  it('an abort signal cancels a wait with its reason; close rejects the rest', async () => {
    const fd = fifo();
    const p = new FdPoller(fd, 'fifo');
    try {
      const ac = new AbortController();
      const w = p.wait(POLL_BITS.READABLE, ac.signal);
      ac.abort(new Error('enough'));
      await expect(w).rejects.toThrow('enough');
      const w2 = p.wait(POLL_BITS.READABLE);
      p.close();
      await expect(w2).rejects.toThrow(/closed/);
      await expect(p.wait(POLL_BITS.READABLE)).rejects.toThrow(/closed/);
    } finally {
      p.close();
      closeSync(fd);
    }
  });
});

describe('FdPoller lazy disarm', () => {
  it('stays armed between waits, fires once with nobody waiting and disarms; quiesce disarms at once', async () => {
    const fd = fifo();
    const p = new FdPoller(fd, 'fifo');
    try {
      writeSync(fd, 'x');
      await p.wait(POLL_BITS.READABLE);
      // still readable, nobody waits: one callback, then disarmed (no busy loop)
      await new Promise((r) => setTimeout(r, 30));
      await p.wait(POLL_BITS.READABLE);
      p.quiesce();
      expect(p.waiting).toBe(0);
    } finally {
      p.close();
      closeSync(fd);
    }
  });
});
