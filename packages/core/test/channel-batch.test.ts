import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { addWaiter, type Waiter } from '../src/channel/waiters.js';
import {
  BufferChannel,
  ChannelPeer,
  type DmaBuf,
  type DmaBufError,
  Framework,
  openFdCount,
} from '../src/index.js';
import { native } from '../src/native.js';
import { memfdExporterPlugin } from '../src/testing/index.js';
import { expectNothingWaiting, numbers } from './fixtures/channel-messages.js';

async function settled(): Promise<void> {
  await new Promise((r) => setTimeout(r, 5));
}

describe('BufferChannel batches: sendMany, receiveMany, one fstat per new buffer', () => {
  let fw: Framework;
  let other: Framework;
  beforeAll(async () => {
    fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
    other = await Framework.create({ plugins: [memfdExporterPlugin()] });
  });
  afterAll(async () => {
    await fw.close();
    await other.close();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await expectNothingWaiting();
  });

  it('sendMany sends buffers and messages in order with one sendmmsg; receiveMany takes the batch in one promise', async () => {
    const before = openFdCount();
    const [a, b] = BufferChannel.pair({ framework: other });
    const bufs = [0, 1, 2].map(() => fw.export({ size: 4096 }));
    const calls = vi.spyOn(native(), 'sendMessages');
    const items = Array.from({ length: 10 }, (_, i) =>
      i % 2 ? { message: { i } } : { buffer: bufs[i % 3] as DmaBuf, meta: { i } },
    );
    await a.sendMany(items);
    expect(calls).toHaveBeenCalledTimes(1);
    const got = await b.receiveMany();
    expect(got).toHaveLength(10);
    expect(got[0]).toMatchObject({ exporter: 'memfd-test', meta: { i: 0 } });
    expect('buffer' in got[0]! && got[0].buffer.identity).toBe(bufs[0]!.identity);
    expect(numbers(got)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // max: a batch split over calls, in order
    await a.sendMany(Array.from({ length: 5 }, (_, i) => ({ message: { i } })));
    expect(numbers(await b.receiveMany({ max: 2 }))).toEqual([0, 1]);
    expect(numbers(await b.receiveMany({ max: 2 }))).toEqual([2, 3]);
    expect(numbers(await b.receiveMany())).toEqual([4]);
    // nothing waiting: it waits for the first, like receive()
    const later = b.receiveMany();
    await a.sendMessage({ i: 42 });
    expect(numbers(await later)).toEqual([42]);
    await expect(a.sendMany([])).resolves.toBeUndefined();
    for (const x of bufs) x.put();
    a.close();
    await expect(b.receiveMany()).rejects.toMatchObject({ code: 'ECONNRESET' });
    b.close();
    expect(other.buffers()).toHaveLength(0);
    expect(openFdCount()).toBe(before);
  });

  it('sendMany of more than a socket holds queues the rest (holding duplicates) and keeps the order with send()', async () => {
    const before = openFdCount();
    const [a, b] = BufferChannel.pair({ framework: fw });
    const buf = fw.export({ size: 4096 });
    const items = Array.from({ length: 1500 }, (_, i) =>
      i % 4 ? { message: { i } } : { buffer: buf, meta: { i } },
    );
    const first = a.sendMany(items);
    const single = a.send(buf, { i: 1500 });
    const tail = a.sendMany([{ message: { i: 1501 } }, { buffer: buf, meta: { i: 1502 } }]);
    buf.put(); // queued items hold their own duplicates
    const seen: number[] = [];
    while (seen.length < 1503) seen.push(...numbers(await b.receiveMany({ max: 1024 })));
    await Promise.all([first, single, tail]);
    expect(seen).toEqual(Array.from({ length: 1503 }, (_, i) => i));
    a.close();
    b.close();
    expect(fw.buffers()).toHaveLength(0);
    expect(openFdCount()).toBe(before);
  });

  it('sendMany checks every item before sending any; queued items are dropped at close (ECANCELED, fds closed)', async () => {
    const before = openFdCount();
    const [a, b] = BufferChannel.pair({ framework: fw });
    const buf = fw.export({ size: 4096 });
    const bad: unknown[] = [
      'not an array',
      [{ buffer: buf }, { buffer: 'nope' }],
      [{ message: 1 }, { message: () => 1 }],
      [{ buffer: buf, meta: 10n }],
      [{ message: 'x'.repeat(70000) }],
      [null],
      [{ neither: 1 }],
    ];
    for (const items of bad) {
      await expect(a.sendMany(items as never), JSON.stringify(String(items))).rejects.toMatchObject({
        code: 'EINVAL',
      });
    }
    await expect(b.receive({ timeoutMs: 20 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    // fill the socket, then queue a batch and close before it goes
    const flood = a.sendMany(Array.from({ length: 2000 }, (_, i) => ({ buffer: buf, meta: { i } })));
    const queued = a.sendMany([{ buffer: buf }, { message: 'late' }]);
    a.close();
    await expect(flood).rejects.toMatchObject({ code: 'ECANCELED' });
    await expect(queued).rejects.toMatchObject({ code: 'ECANCELED' });
    await expect(a.sendMany([{ message: 1 }])).rejects.toMatchObject({ code: 'ECANCELED' });
    b.close();
    buf.put();
    expect(fw.buffers()).toHaveLength(0);
    expect(openFdCount()).toBe(before);
  });

  it('receiveMany delivers the good messages before a malformed one, then rejects with it (EBADMSG), then goes on', async () => {
    const before = openFdCount();
    const [a, b] = BufferChannel.pair({ framework: fw });
    const p = native().unixSocketPair() as [number, number];
    const peer = new ChannelPeer(p[0], fw, { pid: process.pid, uid: 0, gid: 0 });
    for (const text of ['M{"i":0}', 'M{"i":1}', 'M{oops', 'M{"i":3}'])
      expect(native().sendMessage(p[1], text, [])).toBeGreaterThan(0);
    expect(numbers(await peer.receiveMany())).toEqual([0, 1]);
    await expect(peer.receiveMany()).rejects.toMatchObject({ code: 'EBADMSG' });
    expect(numbers(await peer.receiveMany())).toEqual([3]);
    await expect(peer.receiveMany({ max: 0 })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(peer.receiveMany({ max: 1.5 })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(peer.receiveMany({ timeoutMs: 10 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    const ac = new AbortController();
    const aborted = peer.receiveMany({ signal: ac.signal });
    ac.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ABORT_ERR' });
    const pending = peer.receiveMany();
    peer.close();
    await expect(pending).rejects.toMatchObject({ code: 'ECANCELED' });
    native().close(p[1]);
    a.close();
    b.close();
    expect(openFdCount()).toBe(before);
  });

  it('a new buffer costs one fstat on receipt; a known one none', async () => {
    const [a, b] = BufferChannel.pair({ framework: other });
    const bufs = [0, 1, 2].map(() => fw.export({ size: 4096 }));
    for (const x of bufs) expect(x.identity).toMatch(/^\d+:\d+$/); // the sender's fstat, once per buffer, not counted
    const fstat = vi.spyOn(native(), 'fstat');
    await a.sendMany(bufs.map((buffer, i) => ({ buffer, meta: { i } })));
    const got = await b.receiveMany();
    expect(got).toHaveLength(3);
    expect(fstat).toHaveBeenCalledTimes(3);
    // the same buffers again, while held: recognised by their claims, no fstat
    await a.sendMany(bufs.map((buffer) => ({ buffer })));
    const again = await b.receiveMany();
    expect(again.map((m) => 'buffer' in m && m.buffer)).toEqual(got.map((m) => 'buffer' in m && m.buffer));
    expect(fstat).toHaveBeenCalledTimes(3);
    for (const m of [...got, ...again]) if ('buffer' in m) m.buffer.put();
    // one at a time: one fstat each for buffers new again
    for (const buf of bufs) await a.send(buf);
    for (let i = 0; i < 3; i++) {
      const m = await b.receive();
      if ('buffer' in m) m.buffer.put();
    }
    expect(fstat).toHaveBeenCalledTimes(6);
    for (const x of bufs) x.put();
    a.close();
    b.close();
  });
});

describe('the shared waiter (receive and accept)', () => {
  let fw: Framework;
  beforeAll(async () => {
    fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
  });
  afterAll(async () => {
    await fw.close();
  });
  const spec = (dropped: () => void) => ({ what: 'wait for it', timeoutHint: 'be patient', dropped });

  it('settles by whoever serves the list; a timeout or an abort takes it off the list and says so', async () => {
    const list: Waiter<number>[] = [];
    const dropped = vi.fn();
    const make = (resolve: (v: number) => void, reject: (e: unknown) => void) => ({ resolve, reject });
    const served = addWaiter(list, make, {}, spec(dropped));
    const timed = addWaiter(list, make, { timeoutMs: 30 }, spec(dropped));
    expect(list).toHaveLength(2);
    list.shift()!.resolve(1);
    await expect(served).resolves.toBe(1);
    await expect(timed).rejects.toMatchObject({
      code: 'ETIMEDOUT',
      message: expect.stringMatching(/^wait for it timed out after 30 ms/),
    });
    expect((await timed.catch((e: DmaBufError) => e.hint)) as string).toMatch(/be patient/);
    expect(list).toHaveLength(0);
    expect(dropped).toHaveBeenCalledTimes(1);
    const ac = new AbortController();
    const aborted = addWaiter(list, make, { signal: ac.signal, timeoutMs: 10_000 }, spec(dropped));
    ac.abort(new Error('enough'));
    await expect(aborted).rejects.toMatchObject({ code: 'ABORT_ERR', cause: new Error('enough') });
    expect(list).toHaveLength(0);
    expect(dropped).toHaveBeenCalledTimes(2);
    // already aborted: refused at once, never on the list
    await expect(addWaiter(list, make, { signal: ac.signal }, spec(dropped))).rejects.toMatchObject({
      code: 'ABORT_ERR',
    });
    expect(list).toHaveLength(0);
    // served before its timeout: the timer is cleared, nothing dropped later
    const quick = addWaiter(list, make, { timeoutMs: 20 }, spec(dropped));
    list.shift()!.resolve(2);
    await expect(quick).resolves.toBe(2);
    await new Promise((r) => setTimeout(r, 40));
    expect(dropped).toHaveBeenCalledTimes(2);
  });

  it('accept and receive time out and abort through it, and stop polling when nobody waits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmabuf-wait-'));
    const server = BufferChannel.listen(join(dir, 's.sock'), { framework: fw });
    await expect(server.accept({ timeoutMs: 10 })).rejects.toMatchObject({
      code: 'ETIMEDOUT',
      message: expect.stringMatching(/^accept on .* timed out/),
    });
    const ac = new AbortController();
    const accepting = server.accept({ signal: ac.signal });
    ac.abort();
    await expect(accepting).rejects.toMatchObject({ code: 'ABORT_ERR' });
    await settled();
    expect(native().pendingPolls()).toBe(0);
    const [a, b] = BufferChannel.pair({ framework: fw });
    await expect(b.receive({ timeoutMs: 10 })).rejects.toMatchObject({
      code: 'ETIMEDOUT',
      message: expect.stringMatching(/^receive on channel peer .* timed out/),
    });
    await settled();
    expect(native().pendingPolls()).toBe(0);
    a.close();
    b.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
