import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemError } from '../src/errors.js';
import { native } from '../src/native.js';
import { FdWatcher, POLL_BITS } from '../src/poll.js';

// FdWatcher's internal callback mode, which the channel receives through: calls from libuv while armed, no promise.
function fifo(): number {
  const path = join(mkdtempSync(join(tmpdir(), 'fd-watcher-listen-')), 'fifo');
  execFileSync('mkfifo', [path]);
  return openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
}
/** Two loop turns: a poll phase has run since (an fd already ready has been seen). */
const turns = async (n = 2) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};
/** Until `done()` (a few seconds at most: a loaded machine). */
const until = async (done: () => boolean) => {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
};

/** Count the native watcherArm calls (arm() of an armed watcher with the same events makes none). */
const realArm = native().watcherArm;
let nativeArms = 0;
function countArms(): void {
  nativeArms = 0;
  native().watcherArm = (id, events) => {
    nativeArms++;
    return realArm(id, events);
  };
}
afterEach(() => {
  native().watcherArm = realArm;
});

describe('FdWatcher.listen / arm', () => {
  it('calls onReady at each readiness while armed; idle() and cancel() disarm at once outside a call; close() stops it', async () => {
    const fd = fifo();
    const calls: number[] = [];
    const w = new FdWatcher(fd, 'fifo');
    w.listen((bits) => calls.push(bits));
    const before = native().pendingPolls();
    try {
      writeSync(fd, 'x');
      w.arm(POLL_BITS.READABLE);
      expect(w.armed).toBe(true);
      expect(native().pendingPolls()).toBe(before + 1); // an armed watcher keeps the loop alive
      await until(() => calls.length > 1);
      // still readable and still wanted: a call per loop turn
      expect(calls.slice(0, 2)).toEqual([POLL_BITS.READABLE, POLL_BITS.READABLE]);
      w.idle();
      expect(w.armed).toBe(false);
      expect(native().pendingPolls()).toBe(before);
      const seen = calls.length;
      await turns();
      expect(calls).toHaveLength(seen);
      // arming again while armed changes the events (PRIORITY: a FIFO never reports it)
      w.arm(POLL_BITS.PRIORITY);
      w.arm(POLL_BITS.PRIORITY);
      await turns();
      expect(calls).toHaveLength(seen);
      w.cancel();
      expect(w.armed).toBe(false);
      expect(native().pendingPolls()).toBe(before);
      readSync(fd, Buffer.alloc(1));
      w.arm(POLL_BITS.READABLE);
      w.cancel();
      writeSync(fd, 'y');
      await turns();
      expect(calls).toHaveLength(seen);
      w.arm(POLL_BITS.PRIORITY);
      w.close();
      expect(w.armed).toBe(false);
      // its handle is closed in libuv's close callback
      await until(() => native().pendingPolls() === before);
      expect(native().pendingPolls()).toBe(before);
    } finally {
      w.close();
      closeSync(fd);
    }
    expect(() => w.arm(POLL_BITS.READABLE)).toThrow(SystemError);
  });

  it('idle() within a call disarms once the call and its microtasks are done, unless arm() came meanwhile (no native call)', async () => {
    const fd = fifo();
    const w = new FdWatcher(fd, 'fifo');
    await turns(); // the handles of the watchers closed before are freed
    const before = native().pendingPolls();
    // a reader like the channel's: reads, goes idle, and waits again from a promise continuation while `rearm`
    let rearm = 3;
    const calls: boolean[] = [];
    w.listen(() => {
      calls.push(w.armed);
      readSync(fd, Buffer.alloc(16));
      w.idle();
      expect(w.armed).toBe(true); // disarms after the call, not now
      if (rearm-- > 0)
        void Promise.resolve().then(() => Promise.resolve().then(() => w.arm(POLL_BITS.READABLE)));
    });
    countArms();
    try {
      w.arm(POLL_BITS.READABLE);
      for (let i = 1; i <= 4; i++) {
        writeSync(fd, 'x');
        await until(() => calls.length >= i);
        await turns();
        expect(calls).toHaveLength(i); // read empty: no call until the next write
      }
      expect(calls).toEqual([true, true, true, true]);
      // the first arm() went to the watcher; the three from continuations kept it armed with no call
      expect(nativeArms).toBe(1);
      // the fourth call went idle with no arm() after: disarmed, the loop no longer kept alive
      expect(w.armed).toBe(false);
      expect(native().pendingPolls()).toBe(before);
      writeSync(fd, 'y');
      await turns();
      expect(calls).toHaveLength(4);
      // within a call, pause() disarms at once; arm() then starts it again
      readSync(fd, Buffer.alloc(16));
      const paused: boolean[] = [];
      w.listen(() => {
        readSync(fd, Buffer.alloc(16));
        w.pause();
        paused.push(w.armed);
        if (paused.length === 1) w.arm(POLL_BITS.READABLE);
        else w.idle();
      });
      w.arm(POLL_BITS.READABLE);
      writeSync(fd, 'a');
      await until(() => paused.length >= 1);
      writeSync(fd, 'b');
      await until(() => paused.length >= 2);
      expect(paused).toEqual([false, false]);
      expect(nativeArms).toBe(3);
      await turns();
      expect(w.armed).toBe(false);
      expect(native().pendingPolls()).toBe(before);
    } finally {
      w.close();
      closeSync(fd);
    }
  });

  it('an error disarms the watcher before its call, wanted or not', async () => {
    const n = native();
    const pair = n.unixSocketPair();
    if (typeof pair === 'number') throw new Error(`socketpair: ${pair}`);
    const [a, b] = pair;
    const w = new FdWatcher(a, 'socket');
    await turns(); // the handles of the watchers closed before are freed
    const before = n.pendingPolls();
    const calls: Array<[number, boolean]> = [];
    w.listen((bits) => calls.push([bits, w.armed]));
    try {
      // b closed with a message unread: a has ECONNRESET pending (POLLERR), which stops libuv's watch
      expect(n.sendMessage(a, 'x', [])).toBeGreaterThan(0);
      n.close(b);
      w.arm(POLL_BITS.READABLE);
      await until(() => calls.length > 0);
      await turns();
      expect(calls).toHaveLength(1);
      const [bits, armed] = calls[0]!;
      expect(bits & POLL_BITS.ERROR).toBe(POLL_BITS.ERROR);
      expect(armed).toBe(false);
      expect(w.armed).toBe(false);
      expect(n.pendingPolls()).toBe(before);
    } finally {
      w.close();
      n.close(a);
    }
  });

  it('one kind of wait at a time on a watcher: a pending promise wait refuses arm() (EBUSY), and the reverse', async () => {
    const fd = fifo();
    const n = native();
    const id = n.watcherOpen(fd, false);
    const flags = new Int32Array(2);
    const calls: number[][] = [];
    try {
      // arm before a callback is set: EINVAL
      expect(n.watcherArm(id, POLL_BITS.READABLE)).toBe(-22);
      expect(n.watcherListen(id, () => {}, new Int32Array(1))).toBe(-22);
      expect(() => n.watcherListen(id, () => {}, [0, 0] as never)).toThrow(/Int32Array/);
      expect(n.watcherListen(id, () => calls.push([...flags]), flags)).toBe(0);
      const pending = n.watcherWait(id, POLL_BITS.READABLE);
      expect(typeof pending).not.toBe('number');
      expect(n.watcherArm(id, POLL_BITS.READABLE)).toBe(-16);
      n.watcherCancel(id);
      expect(await pending).toBe(-125);
      expect(n.watcherArm(id, POLL_BITS.READABLE)).toBe(0);
      expect(flags[1]).toBe(1);
      expect(n.watcherWait(id, POLL_BITS.READABLE)).toBe(-16);
      expect(n.watcherListen(id, () => {}, flags)).toBe(-16); // its flags are in use while armed
      // flags[0] not set: one call, in which flags[1] says 2, then disarmed
      writeSync(fd, 'x');
      await until(() => calls.length > 0);
      await turns();
      expect(calls).toEqual([[0, 2]]);
      expect(flags[1]).toBe(0);
      expect(n.watcherArm(999_999, POLL_BITS.READABLE)).toBe(-2);
      expect(n.watcherListen(999_999, () => {}, flags)).toBe(-2);
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
