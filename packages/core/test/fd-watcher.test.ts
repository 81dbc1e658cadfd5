import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FdWatcher, POLL_BITS } from '../src/driver-kit.js';
import { InvalidArgumentError } from '../src/errors.js';

// The readiness watcher drivers wait with (@dmabuf/core/driver): a FIFO stands in for a device fd.
function fifo(): number {
  const path = join(mkdtempSync(join(tmpdir(), 'fd-watcher-')), 'fifo');
  execFileSync('mkfifo', [path]);
  return openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
}
const fdCount = () => readdirSync('/proc/self/fd').length;

describe('FdWatcher', () => {
  it('resolves with POLL_BITS once the fd is ready; setEvents changes a pending wait; cancel ends it', async () => {
    const fd = fifo();
    const w = new FdWatcher(fd, 'fifo');
    try {
      const pending = w.wait(POLL_BITS.PRIORITY);
      w.setEvents(POLL_BITS.READABLE);
      writeSync(fd, 'x');
      expect((await pending) & POLL_BITS.READABLE).toBe(POLL_BITS.READABLE);
      const again = w.wait('out');
      expect((await again) & POLL_BITS.WRITABLE).toBe(POLL_BITS.WRITABLE);
      // still readable, but a wait for PRIORITY only: cancel ends it with -ECANCELED
      const never = w.wait(POLL_BITS.PRIORITY);
      w.cancel();
      expect(await never).toBe(-125);
    } finally {
      w.close();
      closeSync(fd);
    }
    expect(w.closed).toBe(true);
  });

  it('watches a duplicate of the fd (one fd more until close), or with borrow the fd itself (none)', () => {
    const fd = fifo();
    try {
      const before = fdCount();
      const dup = new FdWatcher(fd, 'fifo');
      expect(fdCount()).toBe(before + 1);
      dup.close();
      expect(fdCount()).toBe(before);
      const borrowed = new FdWatcher(fd, 'fifo', { borrow: true });
      expect(fdCount()).toBe(before);
      borrowed.close();
    } finally {
      closeSync(fd);
    }
  });

  it('refuses a bad fd, events or options with InvalidArgumentError', () => {
    const fd = fifo();
    try {
      expect(() => new FdWatcher(-1, 'x')).toThrow(InvalidArgumentError);
      expect(() => new FdWatcher(fd, 'x', { borrow: 'yes' as unknown as boolean })).toThrow(
        InvalidArgumentError,
      );
      const w = new FdWatcher(fd, 'fifo');
      for (const events of [0, -1, 1.5, 64, 'sideways', Number.NaN])
        expect(() => w.wait(events as number)).toThrow(InvalidArgumentError);
      w.close();
    } finally {
      closeSync(fd);
    }
  });
});
