import { openSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sendBatch } from '../src/channel/unix-socket.js';
import {
  BufferChannel,
  type ChannelMessage,
  ChannelPeer,
  closeFd,
  createMemfd,
  DmaBufError,
  Framework,
  openFdCount,
} from '../src/index.js';
import { native } from '../src/native.js';
import { memfdExporterPlugin } from '../src/testing/index.js';
import { expectNothingWaiting, numbers } from './fixtures/channel-messages.js';

describe('peer.batches(): the batched receive iterator', () => {
  let fw: Framework;
  beforeAll(async () => {
    fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
  });
  afterAll(async () => {
    await fw.close();
  });
  afterEach(expectNothingWaiting);

  it('gives everything that arrived per step (up to max), in order, and ends when the other side hangs up', async () => {
    const before = openFdCount();
    const [a, b] = BufferChannel.pair({ framework: fw });
    const buf = fw.export({ size: 4096 });
    const items = Array.from({ length: 100 }, (_, i) =>
      i % 3 === 0 ? { buffer: buf, meta: { i } } : { message: { i } },
    );
    await a.sendMany(items);
    a.close();
    const sizes: number[] = [];
    const seen: number[] = [];
    for await (const batch of b.batches({ max: 16 })) {
      sizes.push(batch.length);
      seen.push(...numbers(batch));
    }
    expect(seen).toEqual(items.map((_, i) => i));
    // all 100 were waiting: full batches of 16, then the rest
    expect(sizes).toEqual([16, 16, 16, 16, 16, 16, 4]);
    expect(b.ended).toBe(true);
    b.close();
    buf.put();
    expect(openFdCount()).toBe(before);
  });

  it('waits for the first message of a batch; closing this side ends the iteration; bad options are EINVAL at once', async () => {
    const [a, b] = BufferChannel.pair({ framework: fw });
    const it = b.batches()[Symbol.asyncIterator]();
    const first = it.next();
    await a.sendMany([{ message: { i: 0 } }, { message: { i: 1 } }]);
    const r = await first;
    expect(r.done).toBe(false);
    expect(numbers(r.value as ChannelMessage[])).toEqual([0, 1]);
    const pending = it.next();
    b.close();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    await expect(it.next()).resolves.toMatchObject({ done: true });
    for (const bad of [{ max: 0 }, { max: 1025 }, { max: 2.5 }, { max: '8' }, null]) {
      expect(() => a.batches(bad as never), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ code: 'EINVAL' }),
      );
    }
    a.close();
  });

  it('a hostile peer on the batched path: /dev/null or a memfd as a buffer, 64 fds, a lying size, bad JSON in one sendmmsg: typed, every fd closed, the good messages delivered in order', async () => {
    const before = openFdCount();
    const p = native().unixSocketPair() as [number, number];
    const peer = new ChannelPeer(p[0], fw, { pid: process.pid, uid: 0, gid: 0 });
    const devNull = openSync('/dev/null', 'r');
    const plain = createMemfd('not-adopted', 4096); // a memfd no exporter here claims
    const layout = '{"size":4096,"planes":[{"offset":0,"pitch":0,"size":4096}]}';
    const head = `B{"l":${layout},"e":"memfd-test","x":"memfd-test"}\n1:2`;
    const liar = `B{"l":{"size":1048576,"planes":[{"offset":0,"pitch":0,"size":1048576}]},"e":"m","x":"m"}\n1:2`;
    const list = [
      ['M{"i":0}', undefined, []],
      [head, undefined, [devNull]],
      [head, undefined, [plain]],
      ['M{"many":1}', undefined, Array.from({ length: 64 }, () => devNull)],
      [liar, undefined, [plain]],
      ['M{oops', undefined, [devNull]],
      ['M{"i":6}', undefined, []],
    ].flat();
    expect(sendBatch(p[1], list, 0, 7, String)).toBe(7);
    const got: number[] = [];
    const errors: unknown[] = [];
    while (got.length < 2) {
      try {
        for await (const batch of peer.batches()) {
          got.push(...numbers(batch));
          if (got.length === 2) break;
        }
      } catch (e) {
        errors.push(e);
      }
    }
    expect(got).toEqual([0, 6]);
    expect(errors).toHaveLength(5);
    for (const e of errors) {
      expect(e).toBeInstanceOf(DmaBufError);
      expect((e as DmaBufError).code).toMatch(/^E[A-Z]+$/);
    }
    expect(errors.map((e) => (e as Error).message).join('\n')).toMatch(/more than 16 fds/);
    expect(errors.map((e) => (e as Error).message).join('\n')).toMatch(/says 1048576 bytes/);
    expect(peer.closed).toBe(false);
    // still usable, now through receiveMany
    expect(native().sendMessage(p[1], 'M{"i":7}', [])).toBeGreaterThan(0);
    expect(numbers(await peer.receiveMany({ timeoutMs: 2000 }))).toEqual([7]);
    closeFd(devNull);
    closeFd(plain);
    peer.close();
    native().close(p[1]);
    expect(openFdCount()).toBe(before);
  });
});
