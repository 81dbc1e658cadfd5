import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SystemError } from '../src/errors.js';
import { native } from '../src/native.js';
import { FdWatcher, POLL_BITS } from '../src/poll.js';

// FdWatcher's internal callback mode, which the channel receives through: a call from libuv per arm(), no promise.
function fifo(): number {
  const path = join(mkdtempSync(join(tmpdir(), 'fd-watcher-listen-')), 'fifo');
  execFileSync('mkfifo', [path]);
  return openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
}
/** Two loop turns: a poll phase has run since (an fd already ready has been seen). */
const turns = async () => {
  for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
};
/** Until `done()` (a few seconds at most: a loaded machine). */
const until = async (done: () => boolean) => {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('FdWatcher.listen / arm', () => {
  it('calls onReady once per arm() with POLL_BITS; cancel() disarms without a call; close() stops it', async () => {
    const fd = fifo();
    const calls: number[] = [];
    const w = new FdWatcher(fd, 'fifo');
    w.listen((bits) => calls.push(bits));
    const before = native().pendingPolls();
    try {
      writeSync(fd, 'x');
      w.arm(POLL_BITS.READABLE);
      expect(native().pendingPolls()).toBe(before + 1); // an armed watcher keeps the loop alive
      await until(() => calls.length > 0);
      await turns();
      // still readable: one call for one arm, not one per loop turn
      expect(calls).toEqual([POLL_BITS.READABLE]);
      expect(native().pendingPolls()).toBe(before);
      // arming again while armed changes the events (PRIORITY: a FIFO never reports it)
      w.arm(POLL_BITS.PRIORITY);
      w.arm(POLL_BITS.PRIORITY);
      await turns();
      expect(calls).toHaveLength(1);
      w.cancel();
      expect(native().pendingPolls()).toBe(before);
      readSync(fd, Buffer.alloc(1));
      w.arm(POLL_BITS.READABLE);
      w.cancel();
      writeSync(fd, 'y');
      await turns();
      expect(calls).toHaveLength(1);
      w.arm(POLL_BITS.READABLE);
      await until(() => calls.length > 1);
      expect(calls).toEqual([POLL_BITS.READABLE, POLL_BITS.READABLE]);
      w.arm(POLL_BITS.PRIORITY);
      w.close();
      // its handle is closed in libuv's close callback
      await until(() => native().pendingPolls() === before);
      expect(native().pendingPolls()).toBe(before);
    } finally {
      w.close();
      closeSync(fd);
    }
    expect(() => w.arm(POLL_BITS.READABLE)).toThrow(SystemError);
  });

  it('one kind of wait at a time on a watcher: a pending promise wait refuses arm() (EBUSY), and the reverse', async () => {
    const fd = fifo();
    const n = native();
    const id = n.watcherOpen(fd, false);
    try {
      // arm before a callback is set: EINVAL
      expect(n.watcherArm(id, POLL_BITS.READABLE)).toBe(-22);
      expect(n.watcherListen(id, () => {})).toBe(0);
      const pending = n.watcherWait(id, POLL_BITS.READABLE);
      expect(typeof pending).not.toBe('number');
      expect(n.watcherArm(id, POLL_BITS.READABLE)).toBe(-16);
      n.watcherCancel(id);
      expect(await pending).toBe(-125);
      expect(n.watcherArm(id, POLL_BITS.READABLE)).toBe(0);
      expect(n.watcherWait(id, POLL_BITS.READABLE)).toBe(-16);
      expect(n.watcherArm(999_999, POLL_BITS.READABLE)).toBe(-2);
      expect(n.watcherListen(999_999, () => {})).toBe(-2);
    } finally {
      n.watcherClose(id);
      closeSync(fd);
    }
    // the FdWatcher of the public API is unchanged by this: still one promise per wait
    const fd2 = fifo();
    const fw = new FdWatcher(fd2, 'fifo');
    writeSync(fd2, 'x');
    expect((await fw.wait('in')) & POLL_BITS.READABLE).toBe(POLL_BITS.READABLE);
    fw.close();
    closeSync(fd2);
  });
});
