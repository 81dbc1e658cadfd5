import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemfd, DmaBufError, openFdCount, pollFd, SystemError } from '../src/index.js';
import { native } from '../src/native.js';
import { FdWatcher } from '../src/poll.js';

/** Wait until libuv has run the close callbacks of finished polls. */
async function settled(): Promise<void> {
  await new Promise((r) => setTimeout(r, 5));
}

function socketPair(): [number, number] {
  const p = native().unixSocketPair();
  if (typeof p === 'number') throw new Error(`socketpair: ${p}`);
  return p;
}

describe('pollFd', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dmabuf-poll-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function fifo(name: string): { read: number; write: number } {
    const path = join(dir, name);
    execFileSync('mkfifo', [path]);
    const read = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const write = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    return { read, write };
  }

  it('resolves when a FIFO becomes readable, not before', async () => {
    const f = fifo('a');
    let done = false;
    const p = pollFd(f.read, 'in').then((r) => {
      done = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toBe(false);
    writeSync(f.write, 'x');
    expect(await p).toEqual({ readable: true, writable: false, error: false, hangup: false });
    closeSync(f.read);
    closeSync(f.write);
  });

  it('reports writable on the write end, and hangup when the writer goes away', async () => {
    const f = fifo('b');
    expect((await pollFd(f.write, 'out')).writable).toBe(true);
    const p = pollFd(f.read, 'in');
    closeSync(f.write);
    const r = await p;
    expect(r.hangup).toBe(true);
    closeSync(f.read);
  });

  it("'inout' on a socket reports both, and a peer's close as hangup", async () => {
    const [a, b] = socketPair();
    expect(await pollFd(a, 'inout')).toMatchObject({ readable: false, writable: true });
    native().sendMessage(b, 'x', []);
    expect(await pollFd(a, 'in')).toMatchObject({ readable: true });
    native().close(b);
    expect((await pollFd(a, 'in')).hangup).toBe(true);
    native().close(a);
  });

  it('times out with a typed ETIMEDOUT error and a hint, never early', async () => {
    const [a, b] = socketPair();
    const t0 = performance.now();
    const err = await pollFd(a, 'in', { timeoutMs: 40 }).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(39);
    expect(err).toBeInstanceOf(DmaBufError);
    expect(err).toMatchObject({ code: 'ETIMEDOUT', errno: 110 });
    expect((err as DmaBufError).hint).toMatch(/timeoutMs/);
    await settled();
    expect(native().pendingPolls()).toBe(0);
    native().close(a);
    native().close(b);
  });

  it('aborts with ABORT_ERR whose cause is the signal reason, and closes the handle', async () => {
    const [a, b] = socketPair();
    const ac = new AbortController();
    const p = pollFd(a, 'in', { signal: ac.signal });
    const reason = new Error('stop now');
    ac.abort(reason);
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DmaBufError);
    expect(err).toMatchObject({ code: 'ABORT_ERR', cause: reason });
    await settled();
    expect(native().pendingPolls()).toBe(0);
    // an already-aborted signal never starts a wait
    await expect(pollFd(a, 'in', { signal: ac.signal })).rejects.toMatchObject({
      code: 'ABORT_ERR',
      cause: reason,
    });
    native().close(a);
    native().close(b);
  });

  it('handles many concurrent polls on one fd and on many fds, leaving no fd or handle', async () => {
    const before = openFdCount();
    const pairs = Array.from({ length: 50 }, socketPair);
    const waits = [];
    for (const [a] of pairs) for (let i = 0; i < 4; i++) waits.push(pollFd(a, 'in', { timeoutMs: 5000 }));
    expect(native().pendingPolls()).toBe(200);
    for (const [, b] of pairs) native().sendMessage(b, 'go', []);
    const results = await Promise.all(waits);
    expect(results.every((r) => r.readable)).toBe(true);
    for (const [a, b] of pairs) {
      native().close(a);
      native().close(b);
    }
    await settled();
    expect(native().pendingPolls()).toBe(0);
    expect(openFdCount()).toBe(before);
  });

  it('is safe when the caller closes its fd while the wait is pending', async () => {
    const before = openFdCount();
    const [a, b] = socketPair();
    const p = pollFd(a, 'in', { timeoutMs: 2000 });
    native().close(a);
    const c = socketPair();
    // the number may be reused at once: the wait keeps watching the old socket
    native().sendMessage(b, 'late', []);
    expect((await p).readable).toBe(true);
    native().close(b);
    native().close(c[0]);
    native().close(c[1]);
    await settled();
    expect(openFdCount()).toBe(before);
  });

  it('rejects what cannot be polled with typed errors', async () => {
    const memfd = createMemfd('poll-test', 4096);
    // system errors reject; argument errors throw at once
    await expect(pollFd(memfd, 'in')).rejects.toBeInstanceOf(SystemError);
    await expect(pollFd(memfd, 'in')).rejects.toMatchObject({
      code: 'EPERM',
      hint: expect.stringMatching(/cannot be polled/),
    });
    native().close(memfd);
    await expect(pollFd(memfd, 'in')).rejects.toMatchObject({ code: 'EBADF' });
    expect(() => pollFd(-1, 'in')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    // @ts-expect-error wrong events on purpose
    expect(() => pollFd(0, 'sideways')).toThrow(/Expected one of 'in', 'out', 'inout'/);
    expect(() => pollFd(0, 'in', { timeoutMs: -5 })).toThrow(/options.timeoutMs/);
    // @ts-expect-error wrong signal on purpose
    expect(() => pollFd(0, 'in', { signal: {} })).toThrow(/AbortSignal/);
  });

  it('tears down cleanly with waits pending: a terminated worker, process.exit()', async () => {
    const index = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const worker = new Worker(
      `const { pollFd } = await import(${JSON.stringify(index)});
       const { native } = await import(${JSON.stringify(index.replace(/index\.js$/, 'native.js'))});
       const { parentPort } = await import('node:worker_threads');
       const [a] = native().unixSocketPair();
       for (let i = 0; i < 20; i++) pollFd(a, 'in', i % 2 ? { timeoutMs: 60000 } : {}).catch(() => {});
       parentPort.postMessage(native().pendingPolls());`,
      { eval: true, type: 'module' } as WorkerOptions,
    );
    const pending = await new Promise((r) => worker.once('message', r));
    expect(pending).toBe(20);
    expect(await worker.terminate()).toBe(1);
    // this thread's waits are its own
    expect(native().pendingPolls()).toBe(0);
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { pollFd } = await import(${JSON.stringify(index)});
       const { native } = await import(${JSON.stringify(index.replace(/index\.js$/, 'native.js'))});
         const [a] = native().unixSocketPair();
         pollFd(a, 'in'); pollFd(a, 'out'); pollFd(a, 'in', { timeoutMs: 60000 });
         setTimeout(() => process.exit(7), 10);`,
      ],
      { encoding: 'utf8', timeout: 20000 },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(7);
  });

  it('keeps the event loop alive only while a wait is pending', () => {
    const index = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = `
      const { pollFd } = await import(${JSON.stringify(index)});
       const { native } = await import(${JSON.stringify(index.replace(/index\.js$/, 'native.js'))});
      const [a, b] = native().unixSocketPair();
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 20);
      await pollFd(a, 'in', { signal: ac.signal }).catch((e) => console.log(e.code));
      const p = pollFd(a, 'in', { timeoutMs: 30000 });
      native().sendMessage(b, 'x', []);
      console.log((await p).readable);
    `;
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(['ABORT_ERR', 'true']);
    // the process exits as soon as the work is done: no handle is left behind
    expect(performance.now() - t0).toBeLessThan(10000);
  });
});

describe('FdWatcher', () => {
  it('waits again and again on one fd; pause() between waits leaves epoll and the next wait still sees data', async () => {
    const before = openFdCount();
    const [a, b] = socketPair();
    const w = new FdWatcher(a, 'test watcher');
    const first = w.wait('in');
    let done = false;
    void first.then(() => (done = true));
    await settled();
    expect(done).toBe(false);
    w.pause(); // a wait is pending: no-op, the wait still resolves
    expect(native().sendMessage(b, 'Mone', [])).toBe(4);
    expect((await first) & native().pollBits.READABLE).toBeTruthy();
    expect(native().receiveMessages(a, 4, new Int32Array(97 + 4 * 16))).toBe('Mone');
    w.pause();
    w.pause(); // idempotent
    // data that arrives while paused is seen by the next wait
    expect(native().sendMessage(b, 'Mtwo', [])).toBe(4);
    await settled();
    expect((await w.wait('in')) & native().pollBits.READABLE).toBeTruthy();
    expect(native().receiveMessages(a, 4, new Int32Array(97 + 4 * 16))).toBe('Mtwo');
    // and a wait with nothing there waits
    const third = w.wait('in');
    let thirdDone = false;
    void third.then(() => (thirdDone = true));
    await settled();
    expect(thirdDone).toBe(false);
    w.close();
    expect(await third).toBe(-125); // ECANCELED
    w.pause(); // after close: nothing to do, no throw
    native().close(a);
    native().close(b);
    await settled();
    expect(native().liveWatchers()).toBe(0);
    expect(openFdCount()).toBe(before);
  });
});
