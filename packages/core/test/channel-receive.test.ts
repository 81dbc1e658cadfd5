import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BufferChannel,
  type ChannelMessage,
  ChannelPeer,
  DmaBufError,
  Framework,
  openFdCount,
} from '../src/index.js';
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

describe('native closeFdsIn', () => {
  it('closes the fds of list[from..to) only, skipping negative elements; a range outside the list is EINVAL', () => {
    const n = native();
    const fds = Array.from({ length: 5 }, () => n.memfdCreate('close-in', 0));
    const open = (fd: number) => n.getFdFlags(fd) >= 0;
    const list = new Int32Array([fds[0]!, -1, fds[1]!, fds[2]!, fds[4]!, fds[3]!]);
    expect(n.closeFdsIn(list, 1, 4)).toBe(0);
    expect(fds.map(open)).toEqual([true, false, false, true, true]);
    expect([...list]).toEqual([fds[0], -1, fds[1], fds[2], fds[4], fds[3]]); // the list is not changed
    expect(n.closeFdsIn(list, 4, 7)).toBe(-22);
    expect(n.closeFdsIn(list, 5, 4)).toBe(-22);
    expect(fds.map(open)).toEqual([true, false, false, true, true]);
    expect(n.closeFdsIn(list, 2, 2)).toBe(0);
    expect(n.closeFdsIn(list, 3, 4)).toBe(-9); // a lone closed fd: EBADF
    expect(n.closeFdsIn(list, 4, 6)).toBe(0);
    expect(n.closeFdsIn(list, 0, 1)).toBe(0);
    expect(fds.map(open)).toEqual([false, false, false, false, false]);
  });
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

  it("takes the hello raw out of a batch that brings buffers after it: their fds stay the batch's, all closed once delivered", async () => {
    const before = openFdCount();
    const n = native();
    const [x, y] = pair();
    const peer = new ChannelPeer(y, fw, { pid: process.pid, uid: 0, gid: 0 });
    const buf = fw.export({ size: 4096 });
    const head = `B{"l":{"size":4096,"planes":[{"offset":0,"pitch":0,"size":4096}]},"e":"memfd-test","x":"memfd-test"}\n${buf.identity}`;
    // the hello with an fd (the handshake closes it), then two buffers, all in one read
    expect(n.sendMessage(x, 'H{"v":2}', buf.borrowFd())).toBeGreaterThan(0);
    expect(n.sendMessage(x, `${head}\n{"i":1}`, buf.borrowFd())).toBeGreaterThan(0);
    expect(n.sendMessage(x, `${head}\n{"i":2}`, buf.borrowFd())).toBeGreaterThan(0);
    await peer.handshake({ timeoutMs: 2000 }, 'test server');
    const got = await peer.receiveMany({ timeoutMs: 2000 });
    expect(got.map((m) => ('buffer' in m ? m.meta : m))).toEqual([{ i: 1 }, { i: 2 }]);
    for (const m of got) if ('buffer' in m) expect(m.buffer).toBe(buf);
    for (const m of got) if ('buffer' in m) m.buffer.put();
    peer.close();
    n.close(x);
    buf.put();
    expect(openFdCount()).toBe(before);
  });

  it.skipIf(noPython)(
    'refuses a text over 64 KiB (EBADMSG, its fd closed) and goes on with the rest of the batch',
    async () => {
      const before = openFdCount();
      const [x, y] = pair();
      const peer = new ChannelPeer(y, fw, { pid: process.pid, uid: 0, gid: 0 });
      const script = [
        'import socket, os',
        's = socket.socket(fileno=3)',
        'r = os.open("/dev/null", os.O_RDONLY)',
        's.sendmsg([b"M" + b"x" * 69999], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, r.to_bytes(4, "little"))])',
        's.send(b\'M{"after":1}\')',
        's.detach()',
      ].join('\n');
      const r = spawnSync('python3', ['-c', script], { stdio: ['ignore', 'inherit', 'inherit', x] });
      expect(r.status).toBe(0);
      const err = await peer.receive({ timeoutMs: 2000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DmaBufError);
      expect(err).toMatchObject({
        code: 'EBADMSG',
        message: expect.stringMatching(/longer than 65536 bytes/),
      });
      expect(await peer.receive({ timeoutMs: 2000 })).toEqual({ message: { after: 1 } });
      peer.close();
      native().close(x);
      expect(openFdCount()).toBe(before);
    },
  );

  it('trusts only the identity claim fstat confirmed: any other, malformed or not, has its buffer checked each time', async () => {
    const before = openFdCount();
    const other = await Framework.create({ plugins: [memfdExporterPlugin()] });
    const [x, y] = pair();
    const peer = new ChannelPeer(y, other, { pid: process.pid, uid: 0, gid: 0 });
    const a = fw.export({ size: 4096 });
    const b = fw.export({ size: 4096 });
    const head =
      'B{"l":{"size":4096,"planes":[{"offset":0,"pitch":0,"size":4096}]},"e":"memfd-test","x":"memfd-test"}';
    const receive = async (claim: string, fd: number) => {
      expect(native().sendMessage(x, `${head}\n${claim}\n{"c":1}`, [fd])).toBeGreaterThan(0);
      const m = await peer.receive({ timeoutMs: 2000 });
      if (!('buffer' in m)) throw new Error('expected a buffer');
      expect(m.meta).toEqual({ c: 1 });
      return m.buffer;
    };
    const gotA = await receive(a.identity, a.borrowFd());
    expect(gotA.identity).toBe(a.identity);
    expect(await receive(a.identity, b.borrowFd())).toBe(gotA);
    // any other claim is checked, so B's fd gives B
    const [dev, ino] = a.identity.split(':');
    for (const claim of [
      `00${dev}:0${ino}`,
      'abc',
      `${dev}:`,
      `:${ino}`,
      `${dev}:${ino}x`,
      `${dev}:${'9'.repeat(16)}`,
    ]) {
      const got = await receive(claim, b.borrowFd());
      expect(got.identity, claim).toBe(b.identity);
      got.put();
    }
    // an over-long claim is still a malformed message
    expect(native().sendMessage(x, `${head}\n${'1'.repeat(49)}`, [b.borrowFd()])).toBeGreaterThan(0);
    await expect(peer.receive({ timeoutMs: 2000 })).rejects.toMatchObject({
      code: 'EBADMSG',
      message: expect.stringMatching(/identity claim is not dev:ino/),
    });
    gotA.put();
    gotA.put();
    peer.close();
    native().close(x);
    for (const buf of [a, b]) buf.put();
    await other.close();
    expect(openFdCount()).toBe(before);
  });
});
