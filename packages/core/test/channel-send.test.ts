import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OutgoingList, sendBatch } from '../src/channel/unix-socket.js';
import { BufferChannel, Framework, openFdCount, SystemError } from '../src/index.js';
import { native } from '../src/native.js';
import { memfdExporterPlugin } from '../src/testing/index.js';

const EINVAL = -22;
const EAGAIN = -11;
const EPIPE = -32;
const EMSGSIZE = -90;

/** native sendMessages' arguments for messages [text, fds]: the texts joined, meta = per message length, fd count, fds. */
function packed(messages: Array<[string, number[]]>): [string, Int32Array] {
  const meta: number[] = [];
  for (const [text, fds] of messages) meta.push(text.length, fds.length, ...fds);
  return [messages.map(([t]) => t).join(''), Int32Array.from(meta)];
}

/** Everything waiting on fd: [text, number of fds, flags] per message (fds closed). */
function drain(fd: number): Array<[string, number, number]> {
  const n = native();
  // receiveMessages' meta: the count; flags, text length, fd count per message; then all the fds
  const meta = new Int32Array(97 + 32 * 16);
  const out: Array<[string, number, number]> = [];
  for (;;) {
    const r = n.receiveMessages(fd, 32, meta);
    if (typeof r === 'number' || (typeof r !== 'string' && r.length === 0)) return out;
    const count = meta[0]!;
    let at = 97;
    let pos = 0;
    for (let i = 0; i < count; i++) {
      const len = meta[2 + 3 * i]!;
      const k = meta[3 + 3 * i]!;
      // one message: its text; several ASCII ones: one string, cut at their lengths; else an array
      const text = typeof r !== 'string' ? r[i]! : count === 1 ? r : r.slice(pos, pos + len);
      pos += len;
      n.closeFds([...meta.subarray(at, at + k)]);
      out.push([text, k, meta[1 + 3 * i]!]);
      at += k;
    }
  }
}

function withPair(fn: (x: number, y: number) => void): void {
  const n = native();
  const [x, y] = n.unixSocketPair() as [number, number];
  try {
    fn(x, y);
  } finally {
    n.close(x);
    n.close(y);
  }
}

describe('native sendMessages: a batch as one joined string and one Int32Array', () => {
  it('sends each message with its own text and fds in one sendmmsg, UTF-8 of any code point', () => {
    withPair((x, y) => {
      const n = native();
      const memfd = n.memfdCreate('send-batch', 0);
      const texts = ['Mone', 'é€ and 😀😀', 'x'.repeat(65536), 'M', 'Mlast'];
      const [all, meta] = packed(texts.map((t, i) => [t, i === 0 ? [memfd] : i === 4 ? [memfd, memfd] : []]));
      expect(n.sendMessages(x, all, meta, 5)).toBe(5);
      expect(drain(y)).toEqual([
        ['Mone', 1, 0],
        ['é€ and 😀😀', 0, 0],
        ['x'.repeat(65536), 0, 0],
        ['M', 0, 0],
        ['Mlast', 2, 0],
      ]);
      // all ASCII (each message's bytes are its length) and mixed, from the same call
      const [ascii, m2] = packed([
        ['Ma', []],
        ['Mbc', []],
      ]);
      expect(n.sendMessages(x, ascii, m2, 2)).toBe(2);
      expect(drain(y).map(([t]) => t)).toEqual(['Ma', 'Mbc']);
      n.close(memfd);
    });
  });

  it('counts the 64 KiB in UTF-8 bytes: a longer message ends the batch before it, alone it is EMSGSIZE', () => {
    withPair((x, y) => {
      const n = native();
      const exact = 'é'.repeat(32768); // 65536 bytes
      const over = 'é'.repeat(32769); // 32769 units, 65538 bytes
      let [all, meta] = packed([
        ['Mfirst', []],
        [exact, []],
        [over, []],
        ['Mnever', []],
      ]);
      expect(n.sendMessages(x, all, meta, 4)).toBe(2);
      [all, meta] = packed([
        [over, []],
        ['Mnever', []],
      ]);
      expect(n.sendMessages(x, all, meta, 2)).toBe(EMSGSIZE);
      [all, meta] = packed([['x'.repeat(65537), []]]);
      expect(n.sendMessages(x, all, meta, 1)).toBe(EMSGSIZE);
      // more than the whole batch buffer holds (64 x 64 KiB): cut on copy, still EMSGSIZE
      [all, meta] = packed([
        ['Mok', []],
        ['y'.repeat(5 << 20), []],
      ]);
      expect(n.sendMessages(x, all, meta, 2)).toBe(1);
      expect(n.sendMessages(x, all.slice(3), meta.subarray(2), 1)).toBe(EMSGSIZE);
      expect(drain(y).map(([t]) => t.length)).toEqual([6, 32768, 3]);
    });
  });

  it('takes up to 64 fds a message and 64 messages a call', () => {
    withPair((x, y) => {
      const n = native();
      const memfd = n.memfdCreate('send-batch-fds', 0);
      const many = Array.from({ length: 64 }, () => memfd);
      let [all, meta] = packed([['M64', many]]);
      expect(n.sendMessages(x, all, meta, 1)).toBe(1);
      // the receiver takes 16 fds a message: the rest cut (flag 1), those that came closed
      expect(drain(y)).toEqual([['M64', 0, 1]]);
      [all, meta] = packed([['M65', [...many, memfd]]]);
      expect(n.sendMessages(x, all, meta, 1)).toBe(EINVAL);
      [all, meta] = packed(Array.from({ length: 70 }, (_, i) => [`M${i}`, []]));
      expect(n.sendMessages(x, all, meta, 70)).toBe(64);
      expect(drain(y)).toHaveLength(64);
      n.close(memfd);
    });
  });

  it('a meta that does not describe the texts sends what it does describe; alone it is EINVAL', () => {
    withPair((x, y) => {
      const n = native();
      expect(n.sendMessages(x, 'MaMb', Int32Array.of(2, 0, 2, 0), 0)).toBe(0);
      // meta for one message, count 2
      expect(n.sendMessages(x, 'MaMb', Int32Array.of(2, 0), 2)).toBe(1);
      // a length past the end of texts; a negative length or fd count; an fd count past meta's end
      expect(n.sendMessages(x, 'Ma', Int32Array.of(2, 0, 5, 0), 2)).toBe(1);
      expect(n.sendMessages(x, 'Ma', Int32Array.of(3, 0), 1)).toBe(EINVAL);
      expect(n.sendMessages(x, 'Ma', Int32Array.of(-1, 0), 1)).toBe(EINVAL);
      expect(n.sendMessages(x, 'Ma', Int32Array.of(2, -1), 1)).toBe(EINVAL);
      expect(n.sendMessages(x, 'Ma', Int32Array.of(2, 3, 0), 1)).toBe(EINVAL);
      expect(n.sendMessages(x, 'Ma', new Int32Array(0), 1)).toBe(EINVAL);
      // a length that ends inside a surrogate pair (😀 is 2 units, 4 bytes)
      expect(n.sendMessages(x, '😀', Int32Array.of(1, 0, 1, 0), 2)).toBe(EINVAL);
      expect(drain(y).map(([t]) => t)).toEqual(['Ma', 'Ma']);
    });
  });

  it('a full socket is EAGAIN with nothing lost; with room for a few, those few go', () => {
    withPair((x, y) => {
      const n = native();
      const [all, meta] = packed(Array.from({ length: 64 }, (_, i) => [`M${i}`.padEnd(4096, '.'), []]));
      const results: number[] = [];
      for (let k = 1; k > 0; ) {
        k = n.sendMessages(x, all, meta, 64);
        results.push(k);
      }
      expect(results.at(-1)).toBe(EAGAIN);
      let sent = results.slice(0, -1).reduce((a, b) => a + b, 0);
      // read three: room for about three, so fewer than asked go, the first of the batch first
      const meta3 = new Int32Array(97 + 3 * 16);
      expect(n.receiveMessages(y, 3, meta3)).toHaveLength(3 * 4096); // three ASCII texts joined
      expect(meta3[0]).toBe(3);
      const few = n.sendMessages(x, all, meta, 64);
      expect(few).toBeGreaterThan(0);
      expect(few).toBeLessThan(64);
      sent += few - 3;
      const got = [];
      for (let m = drain(y); m.length; m = drain(y)) got.push(...m);
      expect(got).toHaveLength(sent);
      expect(got.at(-few)?.[0].slice(0, 3)).toBe('M0.');
    });
    const n = native();
    const [x, y] = n.unixSocketPair() as [number, number];
    n.close(y);
    expect(n.sendMessages(x, 'Ma', Int32Array.of(2, 0), 1)).toBe(EPIPE);
    n.close(x);
  });
});

describe('sendBatch: a channel list [text, tail, fds, ...] as native sendMessages takes it', () => {
  it('joins each text and tail, sends from `from`, ends before a message with over 64 fds; alone, a typed error naming it', () => {
    withPair((x, y) => {
      const n = native();
      const memfd = n.memfdCreate('send-batch-list', 0);
      const list: OutgoingList = [
        ...['Mzero', undefined, memfd],
        ...['Mhead\n', 'tail ü', []],
        ...['M64', undefined, Array.from({ length: 64 }, () => memfd)],
        ...['M65', undefined, Array.from({ length: 65 }, () => memfd)],
        ...['Mlast', undefined, [memfd]],
      ];
      const what = (i: number) => `message ${i}`;
      expect(sendBatch(x, list, 0, 5, what)).toBe(3);
      let e: unknown;
      try {
        sendBatch(x, list, 3, 2, what);
      } catch (err) {
        e = err;
      }
      expect(e).toBeInstanceOf(SystemError);
      expect(e).toMatchObject({ code: 'EINVAL', syscall: 'sendmmsg' });
      expect((e as Error).message).toMatch(/message 3/);
      expect(sendBatch(x, list, 4, 1, what)).toBe(1);
      expect(drain(y)).toEqual([
        ['Mzero', 1, 0],
        ['Mhead\ntail ü', 0, 0],
        ['M64', 0, 1],
        ['Mlast', 1, 0],
      ]);
      n.close(memfd);
    });
  });

  it('a full socket is 0 (wait for POLLOUT); a message over 64 KiB alone is EMSGSIZE', () => {
    withPair((x) => {
      const list: OutgoingList = [];
      for (let i = 0; i < 64; i++) list.push(`M${i}`, '.'.repeat(8192), []);
      let k = 1;
      while (k > 0) k = sendBatch(x, list, 0, 64, String);
      expect(k).toBe(0);
    });
    withPair((x) => {
      expect(() => sendBatch(x, ['M', 'é'.repeat(40000), []], 0, 1, () => 'big')).toThrow(
        expect.objectContaining({ code: 'EMSGSIZE', message: expect.stringMatching(/^big/) }),
      );
    });
  });
});

describe('sendMany over the joined batch', () => {
  let fw: Framework;
  beforeAll(async () => {
    fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
  });
  afterAll(async () => {
    await fw.close();
  });

  it('carries non-ASCII meta and messages; a peer that hung up is EPIPE', async () => {
    const before = openFdCount();
    const [a, b] = BufferChannel.pair({ framework: fw });
    const buf = fw.export({ size: 4096 });
    const words = ['naïve', '€5', '😀 smile', 'ascii'];
    await a.sendMany(
      words.map((w, i) =>
        i % 2 ? { message: { w } } : { buffer: buf, meta: { w, long: 'ü'.repeat(20000) } },
      ),
    );
    const got = await b.receiveMany();
    expect(
      got.map((m) => ('buffer' in m ? (m.meta as { w: string }).w : (m.message as { w: string }).w)),
    ).toEqual(words);
    for (const m of got) if ('buffer' in m) m.buffer.put();
    b.close();
    await expect(a.sendMany([{ message: 1 }, { buffer: buf }])).rejects.toMatchObject({ code: 'EPIPE' });
    a.close();
    buf.put();
    expect(fw.buffers()).toHaveLength(0);
    expect(openFdCount()).toBe(before);
  });
});
