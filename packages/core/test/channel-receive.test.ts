import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferChannel, type ChannelMessage, Framework, openFdCount } from '../src/index.js';
import { native } from '../src/native.js';
import { memfdExporterPlugin } from '../src/testing/index.js';

/** receiveMessages' meta: [0] the count, 3 per message (flags, length, fds) for up to 32, then the fds. */
const FDS_AT = 1 + 3 * 32;
const metaFor = (max: number) => new Int32Array(FDS_AT + max * 16).fill(-1);
/** Message i's [flags, text length, number of fds]. */
const head = (meta: Int32Array, i: number) => [...meta.subarray(1 + 3 * i, 4 + 3 * i)];

function pair(): [number, number] {
  const p = native().unixSocketPair();
  if (typeof p === 'number') throw new Error(`socketpair: ${p}`);
  return p;
}

/** python3 (for writing a message longer than our sender allows), or why not. */
const python = spawnSync('python3', ['-c', 'print(1)'], { encoding: 'utf8' });
const noPython =
  python.status === 0 ? false : 'python3 is not installed (needed to send a message over 64 KiB)';

describe('native receiveMessages', () => {
  it('gives several ASCII messages as one string cut at the lengths in meta, their fds in one run after the heads', () => {
    const n = native();
    const [x, y] = pair();
    const memfd = n.memfdCreate('receive-joined', 0);
    expect(n.sendMessage(x, 'Pone', memfd)).toBe(4);
    expect(n.sendMessage(x, 'Qtwo', [])).toBe(4);
    expect(n.sendMessage(x, 'P', [memfd, memfd])).toBe(1);
    expect(n.sendMessage(x, 'Plast', [])).toBe(5);
    const meta = metaFor(8);
    const r = n.receiveMessages(y, 8, meta, 'P');
    // the prefix stripped (flag 4) where it matched; lengths are what is left
    expect(r).toBe('oneQtwolast');
    expect(meta[0]).toBe(4);
    expect([head(meta, 0), head(meta, 1), head(meta, 2), head(meta, 3)]).toEqual([
      [4, 3, 1],
      [0, 4, 0],
      [4, 0, 2],
      [4, 4, 0],
    ]);
    const fds = [...meta.subarray(FDS_AT, FDS_AT + 3)];
    expect(fds.every((fd) => n.getFdFlags(fd) >= 0)).toBe(true);
    expect(meta[FDS_AT + 3]).toBe(-1); // nothing written past them
    expect(n.closeFds(fds)).toBe(0);
    expect(n.receiveMessages(y, 8, meta)).toBe(-11); // EAGAIN: nothing waiting
    for (const fd of [x, y, memfd]) n.close(fd);
  });

  it('gives a batch with a text that is not ASCII as an array of UTF-8 texts; one such message alone as its text', () => {
    const n = native();
    const [x, y] = pair();
    const texts = ['M{"a":"é"}', 'M{"b":1}', 'M{"c":"日本\u{1F600}"}'];
    for (const t of texts) expect(n.sendMessage(x, t, [])).toBe(Buffer.byteLength(t));
    const meta = metaFor(8);
    expect(n.receiveMessages(y, 8, meta)).toEqual(texts);
    expect(meta[0]).toBe(3);
    // lengths in bytes here (the texts come whole)
    expect([head(meta, 0), head(meta, 1), head(meta, 2)]).toEqual([
      [0, 11, 0],
      [0, 8, 0],
      [0, 19, 0],
    ]);
    expect(n.sendMessage(x, 'Mñ', [])).toBe(3);
    expect(n.receiveMessages(y, 8, meta)).toBe('Mñ');
    expect(meta[0]).toBe(1);
    // a prefix of bytes matched before decoding, the rest decoded whole
    expect(n.sendMessage(x, 'Bñ\nrest', [])).toBe(8);
    expect(n.sendMessage(x, 'Bñ\nmore', [])).toBe(8);
    expect(n.receiveMessages(y, 8, meta, 'Bñ\n')).toBe('restmore');
    expect([head(meta, 0), head(meta, 1)]).toEqual([
      [4, 4, 0],
      [4, 4, 0],
    ]);
    for (const fd of [x, y]) n.close(fd);
  });

  it('delivers what came before an end of stream, then [] (the fds after it closed)', () => {
    const n = native();
    const before = openFdCount();
    const [x, y] = pair();
    expect(n.sendMessage(x, 'Ma', [])).toBe(2);
    expect(n.sendMessage(x, 'Mb', [])).toBe(2);
    n.close(x);
    const meta = metaFor(8);
    expect(n.receiveMessages(y, 8, meta)).toBe('MaMb');
    expect(meta[0]).toBe(2);
    expect(n.receiveMessages(y, 8, meta)).toEqual([]);
    expect(meta[0]).toBe(0);
    n.close(y);
    expect(openFdCount()).toBe(before);
  });

  it.skipIf(noPython)(
    'flags a text longer than 64 KiB as cut (2), its first 64 KiB joined with the rest',
    () => {
      const n = native();
      const [x, y] = pair();
      // python writes one 70000-byte message on our socket x (fd 3 in the child), then a short one
      const script =
        'import socket; s = socket.socket(fileno=3); s.send(b"M" + b"x" * 69999); s.send(b"Mok"); s.detach()';
      const r = spawnSync('python3', ['-c', script], { stdio: ['ignore', 'inherit', 'inherit', x] });
      expect(r.status).toBe(0);
      const meta = metaFor(8);
      const got = n.receiveMessages(y, 8, meta, 'M');
      expect(meta[0]).toBe(2);
      expect([head(meta, 0), head(meta, 1)]).toEqual([
        [2, 65536, 0], // cut: never matched against the prefix
        [4, 2, 0],
      ]);
      expect(got).toBe(`M${'x'.repeat(65535)}ok`);
      for (const fd of [x, y]) n.close(fd);
    },
  );
});

describe('a channel receiving batches', () => {
  let fw: Framework;
  beforeAll(async () => {
    fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
  });
  afterAll(async () => {
    await fw.close();
  });

  it('delivers ASCII and UTF-8 meta and messages alike, in order, whichever way a batch came', async () => {
    const before = openFdCount();
    const [a, b] = BufferChannel.pair({ framework: fw });
    const buf = fw.export({ size: 4096 });
    const metas = [{ i: 0 }, { s: 'ascii' }, { s: 'é' }, { s: '日本\u{1F600}' }, { i: 4 }];
    // an ASCII batch, a mixed one, a single UTF-8 message
    const batches = [[0, 1, 4], [0, 2, 1, 3], [3]];
    for (const batch of batches) {
      const items = batch.map((k) => (k % 2 ? { message: metas[k] } : { buffer: buf, meta: metas[k] }));
      await a.sendMany(items);
      const got: ChannelMessage[] = [];
      while (got.length < items.length) got.push(...(await b.receiveMany({ timeoutMs: 2000 })));
      expect(got.map((m) => ('buffer' in m ? m.meta : m.message))).toEqual(batch.map((k) => metas[k]));
      for (const m of got) if ('buffer' in m) m.buffer.put();
    }
    a.close();
    b.close();
    buf.put();
    expect(openFdCount()).toBe(before);
  });
});
