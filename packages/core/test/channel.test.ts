import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BufferChannel,
  type ChannelMessage,
  ChannelPeer,
  closeFd,
  createMemfd,
  type DmaBuf,
  DmaBufError,
  Framework,
  openFdCount,
  PeerRefusedError,
  ReleasedError,
} from '../src/index.js';
import { native } from '../src/native.js';
import { memfdExporterPlugin } from '../src/testing/index.js';

/** Length of native receiveMessages' meta for `max` messages: the count, 3 per message, 16 fds per message. */
const metaLength = (max: number) => 1 + 3 * 32 + max * 16;

/** native receiveMessages as flat triples [text, fds, flags, ...] (or -errno), for checking what it read. */
function receiveFlat(fd: number, max: number, prefix?: string): Array<string | number[] | number> | number {
  const meta = new Int32Array(metaLength(max));
  const r = native().receiveMessages(fd, max, meta, prefix);
  if (typeof r === 'number') return r;
  const count = meta[0]!;
  if (typeof r !== 'string') expect(r.length === 0 ? 1 : r.length).toBe(count === 0 ? 1 : count);
  const out: Array<string | number[] | number> = [];
  let at = 97;
  let pos = 0;
  for (let i = 0; i < (typeof r === 'string' ? count : r.length); i++) {
    const len = meta[2 + 3 * i]!;
    const n = meta[3 + 3 * i]!;
    // one message: its text; several ASCII ones: one string, cut at their lengths
    const text = typeof r !== 'string' ? r[i]! : count === 1 ? r : r.slice(pos, pos + len);
    pos += len;
    out.push(text, [...meta.subarray(at, at + n)], meta[1 + 3 * i]!);
    at += n;
  }
  return out;
}

async function settled(): Promise<void> {
  await new Promise((r) => setTimeout(r, 5));
}

function bufferOf(m: ChannelMessage): DmaBuf {
  if (!('buffer' in m)) throw new Error(`expected a buffer, got ${JSON.stringify(m)}`);
  return m.buffer;
}

/** The raw socket behind a peer, for writing malformed messages by hand. */
function rawPair(fw: Framework): { peer: ChannelPeer; raw: number; close(): void } {
  const p = native().unixSocketPair();
  if (typeof p === 'number') throw new Error(`socketpair: ${p}`);
  const peer = new ChannelPeer(p[0], fw, { pid: process.pid, uid: 0, gid: 0 });
  return {
    peer,
    raw: p[1],
    close: () => {
      peer.close();
      native().close(p[1]);
    },
  };
}

describe('BufferChannel (in one process)', () => {
  let fw: Framework;
  let other: Framework;
  let dir: string;
  let baseline: number;
  beforeAll(async () => {
    fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
    other = await Framework.create({ plugins: [memfdExporterPlugin()] });
    dir = mkdtempSync(join(tmpdir(), 'dmabuf-chan-'));
  });
  afterAll(async () => {
    await fw.close();
    await other.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await settled();
    // closed handles are freed from libuv's close phase: give a slow (emulated, loaded) machine
    // up to a second to get there; a leaked wait stays and still fails
    for (let i = 0; i < 200 && native().pendingPolls() + native().liveWatchers() > 0; i++) await settled();
    expect(native().pendingPolls()).toBe(0);
    expect(native().liveWatchers()).toBe(0);
  });

  it('a buffer this process holds comes back as the same object, with its meta', async () => {
    const [a, b] = BufferChannel.pair({ framework: fw });
    const buf = fw.export({ size: 8192 });
    await a.send(buf, { frame: 7, tags: ['x'] });
    const m = await b.receive();
    expect(m).toEqual({ buffer: buf, meta: { frame: 7, tags: ['x'] }, exporter: 'memfd-test' });
    expect(buf.refCount).toBe(2);
    bufferOf(m).put();
    buf.put();
    a.close();
    b.close();
  });

  it('another framework gets a new DmaBuf with the full layout (bigint modifier included) and the same bytes', async () => {
    baseline = openFdCount();
    const [a, b] = BufferChannel.pair({ framework: other });
    const buf = fw.export({ width: 64, height: 16, format: 'XR24' });
    {
      using w = buf.cpuAccess('write');
      for (let i = 0; i < w.bytes.length; i++) w.bytes[i] = (i * 7) & 0xff;
    }
    await a.send(buf);
    const m = await b.receive();
    const got = bufferOf(m);
    expect(got).not.toBe(buf);
    expect(got.identity).toBe(buf.identity);
    expect(got.layout).toEqual(buf.layout);
    expect(got.layout.modifier).toBe(0n);
    expect('meta' in m && m.meta).toBeUndefined();
    {
      using r = got.cpuAccess('read');
      expect(r.bytes.every((v, i) => v === ((i * 7) & 0xff))).toBe(true);
    }
    // sent again while held: the same object; once released: a new one
    await a.send(buf);
    const again = bufferOf(await b.receive());
    expect(again).toBe(got);
    expect(got.refCount).toBe(2);
    const gotLayout = got.layout;
    again.put();
    got.put();
    expect(got.released).toBe(true);
    await a.send(buf);
    const fresh = bufferOf(await b.receive());
    expect(fresh).not.toBe(got);
    expect(fresh.released).toBe(false);
    expect(fresh.layout).toEqual(buf.layout);
    expect(fresh.layout).not.toBe(gotLayout);
    fresh.put();
    buf.put();
    a.close();
    b.close();
    expect(openFdCount()).toBe(baseline);
  });

  it('plain messages, ordering across a full socket, and for-await ending when the other side closes', async () => {
    const before = openFdCount();
    const [a, b] = BufferChannel.pair({ framework: fw });
    const buf = fw.export({ size: 4096 });
    // more than the socket buffer holds: later sends queue (holding a dup) until POLLOUT
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 600; i++) sends.push(i % 3 ? a.sendMessage({ i }) : a.send(buf, { i }));
    buf.put();
    const seen: number[] = [];
    const reader = (async () => {
      for await (const m of b) {
        if ('buffer' in m) {
          seen.push((m.meta as { i: number }).i);
          m.buffer.put();
        } else seen.push((m.message as { i: number }).i);
      }
    })();
    await Promise.all(sends);
    a.close();
    await reader;
    expect(seen).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect(b.ended).toBe(true);
    await expect(b.receive()).rejects.toMatchObject({ code: 'ECONNRESET' });
    b.close();
    expect(fw.buffers()).toHaveLength(0);
    expect(openFdCount()).toBe(before);
  });

  it('malformed messages are EBADMSG, their fds closed, and the channel goes on', async () => {
    const before = openFdCount();
    const { peer, raw, close } = rawPair(fw);
    const memfd = fw.export({ size: 4096 });
    const fd = memfd.borrowFd();
    const pipeLike = native().unixSocketPair() as [number, number];
    const layout = '{"size":4096,"planes":[{"offset":0,"pitch":0,"size":4096}]}';
    const claim = '\n1:2'; // an identity claim no buffer has
    const cases: Array<[string, number[], RegExp]> = [
      [`B{not json${claim}`, [fd], /is not JSON/],
      [`B{"l":${layout},"e":"memfd-test","x":"memfd-test"}`, [fd], /lacks the sender's identity claim/],
      [`B{"l":${layout},"e":"memfd-test","x":"memfd-test"}\n\n{}`, [fd], /identity claim is not dev:ino/],
      [`B{"l":${layout},"e":"memfd-test","x":"memfd-test"}${claim}`, [], /came with 0 fds instead of 1/],
      [
        `B{"l":${layout},"e":"memfd-test","x":"memfd-test"}${claim}`,
        [fd, fd],
        /came with 2 fds instead of 1/,
      ],
      ['M{"hi":1}', [fd], /plain message came with 1 fd/],
      ['Z{}', [fd], /unknown tag/],
      [
        `B{"l":{"size":8192,"planes":[{"offset":0,"pitch":0,"size":8192}]},"e":"memfd-test","x":"memfd-test"}${claim}`,
        [fd],
        /says 8192 bytes but the buffer has 4096/,
      ],
      [
        `B{"l":{"size":4096,"modifier":"-1","planes":[{"offset":0,"pitch":0,"size":4096}]},"e":"m","x":"m"}${claim}`,
        [fd],
        /modifier/,
      ],
      [
        `B{"l":{"size":4096,"planes":[{"offset":4000,"pitch":0,"size":4096}]},"e":"m","x":"m"}${claim}`,
        [fd],
        /inside the buffer/,
      ],
      ['M{"too":"many"}', Array.from({ length: 17 }, () => fd), /more than 16 fds/],
    ];
    for (const [text, fds, why] of cases) {
      expect(native().sendMessage(raw, text, fds)).toBeGreaterThan(0);
      const err = await peer.receive({ timeoutMs: 2000 }).catch((e: unknown) => e);
      expect(err, text).toBeInstanceOf(DmaBufError);
      expect(err, text).toMatchObject({ code: 'EBADMSG', message: expect.stringMatching(why) });
    }
    // a socket sent as a "buffer": it has no size, typed, fd closed
    native().sendMessage(raw, `B{"l":${layout},"e":"memfd-test","x":"memfd-test"}${claim}`, [pipeLike[0]]);
    await expect(peer.receive()).rejects.toMatchObject({
      code: 'EBADMSG',
      message: expect.stringMatching(/the buffer has 0/),
    });
    // bad meta after a good head
    native().sendMessage(raw, `B{"l":${layout},"e":"memfd-test","x":"memfd-test"}${claim}\n{oops`, [fd]);
    await expect(peer.receive()).rejects.toMatchObject({
      code: 'EBADMSG',
      message: expect.stringMatching(/the meta is not JSON/),
    });
    native().sendMessage(raw, 'M{"still":"alive"}', []);
    await expect(peer.receive()).resolves.toEqual({ message: { still: 'alive' } });
    native().close(pipeLike[0]);
    native().close(pipeLike[1]);
    memfd.put();
    close();
    expect(openFdCount()).toBe(before);
  });

  it('a buffer head seen before is recognised per message: other heads, bad meta, wrong sizes still caught', async () => {
    const before = openFdCount();
    // received into another framework and put at once: each message makes a DmaBuf with its own layout
    const { peer, raw, close } = rawPair(other);
    const memfd = fw.export({ size: 4096 });
    const fd = memfd.borrowFd();
    const sock = native().unixSocketPair() as [number, number];
    const h1 =
      'B{"l":{"size":4096,"planes":[{"offset":0,"pitch":0,"size":4096}]},"e":"memfd-test","x":"memfd-test"}';
    const h2 =
      'B{"l":{"size":2048,"planes":[{"offset":0,"pitch":0,"size":2048}]},"e":"memfd-test","x":"memfd-test"}';
    // each text gets the sender's identity claim of the memfd after its head
    const send = (text: string, fds = [fd]) => {
      const nl = text.indexOf('\n');
      const claimed =
        nl < 0 ? `${text}\n${memfd.identity}` : `${text.slice(0, nl)}\n${memfd.identity}${text.slice(nl)}`;
      expect(native().sendMessage(raw, claimed, fds)).toBeGreaterThan(0);
    };
    const layoutSize = async () => {
      const m = await peer.receive({ timeoutMs: 2000 });
      const b = bufferOf(m);
      const size = b.layout.size;
      b.put();
      return [size, 'meta' in m ? m.meta : 'none'];
    };
    const bad = async (why: RegExp) =>
      expect(peer.receive({ timeoutMs: 2000 })).rejects.toMatchObject({
        code: 'EBADMSG',
        message: expect.stringMatching(why),
      });
    send(`${h1}\n{"i":0}`);
    expect(await layoutSize()).toEqual([4096, { i: 0 }]);
    // all of these wait in the socket together and come in one batch
    send(`${h1}\n{"i":1}`);
    send(`${h2}\n{"i":2}`);
    send(`${h1}\n"three"`);
    send(`${h1}\n{oops`);
    send(`${h1}\n{"i":5}`, [sock[0]]);
    send(`${h1}\n{"i":6}`, [fd, fd]);
    send(h1);
    send(`${h1}\n{"i":8}`);
    send(`${h2}\n{"i":9}`);
    send(`${h2}\n{"i":10}`);
    send(`${h1}\n{"i":11}`);
    expect(await layoutSize()).toEqual([4096, { i: 1 }]);
    expect(await layoutSize()).toEqual([2048, { i: 2 }]);
    expect(await layoutSize()).toEqual([4096, 'three']);
    await bad(/the meta is not JSON/);
    await bad(/the buffer has 0/);
    await bad(/came with 2 fds instead of 1/);
    expect(await layoutSize()).toEqual([4096, undefined]);
    expect(await layoutSize()).toEqual([4096, { i: 8 }]);
    expect(await layoutSize()).toEqual([2048, { i: 9 }]);
    expect(await layoutSize()).toEqual([2048, { i: 10 }]);
    expect(await layoutSize()).toEqual([4096, { i: 11 }]);
    native().close(sock[0]);
    native().close(sock[1]);
    memfd.put();
    close();
    expect(openFdCount()).toBe(before);
  });

  it("a buffer's identity claim is checked once, then trusted only for the buffer this peer delivered", async () => {
    const before = openFdCount();
    const { peer, raw, close } = rawPair(other);
    const a = fw.export({ size: 4096 });
    const b = fw.export({ size: 4096 });
    const mine = other.export({ size: 4096 }); // the receiver's own buffer, never sent by this peer
    const head =
      'B{"l":{"size":4096,"planes":[{"offset":0,"pitch":0,"size":4096}]},"e":"memfd-test","x":"memfd-test"}';
    const send = (claim: string, fd: number) =>
      expect(native().sendMessage(raw, `${head}\n${claim}`, [fd])).toBeGreaterThan(0);
    send(a.identity, a.borrowFd());
    const gotA = bufferOf(await peer.receive());
    expect(gotA.identity).toBe(a.identity);
    // the same claim again: the same object, no fstat needed
    send(a.identity, a.borrowFd());
    const again = bufferOf(await peer.receive());
    expect(again).toBe(gotA);
    // a false claim naming A with B's fd: the peer only gets back its own buffer A, B's fd is closed
    send(a.identity, b.borrowFd());
    expect(bufferOf(await peer.receive())).toBe(gotA);
    expect(gotA.refCount).toBe(3);
    // a claim naming a buffer this peer never delivered is checked: the buffer that came is B
    send(mine.identity, b.borrowFd());
    const gotB = bufferOf(await peer.receive());
    expect(gotB).not.toBe(mine);
    expect(gotB.identity).toBe(b.identity);
    // once A is released, its claim is checked again
    gotA.put();
    gotA.put();
    gotA.put();
    send(a.identity, b.borrowFd());
    const b2 = bufferOf(await peer.receive());
    expect(b2).toBe(gotB);
    b2.put();
    gotB.put();
    for (const x of [a, b, mine]) x.put();
    close();
    expect(openFdCount()).toBe(before);
  });

  it('a hostile peer: /dev/null or a memfd as a buffer, 64 fds in one message (the most our sender sends; the receiver takes 16), a lying size: typed, every fd closed, the channel goes on', async () => {
    const before = openFdCount();
    const { peer, raw, close } = rawPair(fw);
    const layout = '{"size":4096,"planes":[{"offset":0,"pitch":0,"size":4096}]}';
    const head = `B{"l":${layout},"e":"memfd-test","x":"memfd-test"}\n1:2`;
    const devNull = openSync('/dev/null', 'r');
    const plain = createMemfd('not-adopted', 4096); // a memfd no exporter here claims
    try {
      const cases: Array<[string, number[], RegExp]> = [
        [head, [devNull], /buffer has 0|not a dma-buf|size/],
        [head, [plain], /not a dma-buf|no exporter|memfd/],
        ['M{"many":1}', Array.from({ length: 64 }, () => devNull), /more than 16 fds/],
        [
          `B{"l":{"size":1048576,"planes":[{"offset":0,"pitch":0,"size":1048576}]},"e":"m","x":"m"}\n1:2`,
          [plain],
          /says 1048576 bytes/,
        ],
      ];
      for (const [text, fds, why] of cases) {
        expect(native().sendMessage(raw, text, fds), text).toBeGreaterThan(0);
        const err = await peer.receive({ timeoutMs: 2000 }).catch((e: unknown) => e);
        expect(err, text).toBeInstanceOf(DmaBufError);
        expect((err as DmaBufError).code, text).toMatch(/^E[A-Z]+$/);
        expect((err as Error).message, text).toMatch(why);
      }
      // still usable: a plain message after them arrives
      expect(native().sendMessage(raw, 'M{"after":1}', [])).toBeGreaterThan(0);
      expect(await peer.receive({ timeoutMs: 2000 })).toEqual({ message: { after: 1 } });
      expect(peer.closed).toBe(false);
    } finally {
      closeFd(devNull);
      closeFd(plain);
      close();
    }
    expect(openFdCount()).toBe(before);
  });

  it('an error in framework.get closes the received fd', async () => {
    const before = openFdCount();
    const closedFw = await Framework.create({ plugins: [memfdExporterPlugin()] });
    const [a, b] = BufferChannel.pair({ framework: closedFw });
    await closedFw.close();
    const buf = fw.export({ size: 4096 });
    await a.send(buf);
    buf.put();
    await expect(b.receive()).rejects.toMatchObject({
      code: 'EBADF',
      message: expect.stringMatching(/framework is closed/),
    });
    a.close();
    b.close();
    expect(openFdCount()).toBe(before);
  });

  it('closing with messages received but not delivered closes their fds', async () => {
    const before = openFdCount();
    const [a, b] = BufferChannel.pair({ framework: other });
    for (let i = 0; i < 8; i++) {
      const buf = fw.export({ size: 4096 });
      await a.send(buf, { i });
      buf.put();
    }
    // the first receive reads the whole batch; 7 fds wait in the inbox
    bufferOf(await b.receive()).put();
    b.close();
    a.close();
    expect(other.buffers()).toHaveLength(0);
    expect(openFdCount()).toBe(before);
  });

  it('the fds of a received batch are all closed once its last message is delivered', async () => {
    const [a, b] = BufferChannel.pair({ framework: fw });
    const buf = fw.export({ size: 4096 });
    for (let i = 0; i < 12; i++) await a.send(buf, { i });
    const held = openFdCount();
    // the first receive reads all 12 (12 fds more); each delivery leaves its fd for the batch's close
    const got: DmaBuf[] = [bufferOf(await b.receive())];
    expect(openFdCount()).toBe(held + 12);
    for (let i = 1; i < 11; i++) got.push(bufferOf(await b.receive()));
    expect(openFdCount()).toBe(held + 12);
    got.push(bufferOf(await b.receive()));
    expect(openFdCount()).toBe(held);
    expect(got.every((g) => g === buf)).toBe(true);
    expect(buf.refCount).toBe(13);
    for (const g of got) g.put();
    buf.put();
    a.close();
    b.close();
  });

  it('native sendMessage takes one fd as a number or an array, appends a tail as it is, and refuses over 64 KiB (EMSGSIZE)', () => {
    const n = native();
    const [x, y] = n.unixSocketPair() as [number, number];
    const memfd = n.memfdCreate('send-one', 0);
    expect(n.sendMessage(x, 'Mone', memfd)).toBe(4);
    expect(n.sendMessage(x, 'Mtwo', [memfd, memfd])).toBe(4);
    expect(n.sendMessage(x, `M${'é'.repeat(40000)}`, [])).toBe(-90);
    // a tail: text then tail, no separator added (the protocol's own bytes are TypeScript's), the limit counting both
    expect(n.sendMessage(x, 'Mhead\n', [], 'tail')).toBe(10);
    expect(n.sendMessage(x, 'M', [], 'é'.repeat(40000))).toBe(-90);
    expect(n.sendMessage(x, 'x'.repeat(65000), [], 'y'.repeat(536))).toBe(65536);
    expect(n.sendMessage(x, 'x'.repeat(65000), [], 'y'.repeat(537))).toBe(-90);
    const r = receiveFlat(y, 8) as Array<string | number[] | number>;
    expect(r.filter((_, i) => i % 3 === 0)).toEqual([
      'Mone',
      'Mtwo',
      'Mhead\ntail',
      `${'x'.repeat(65000)}${'y'.repeat(536)}`,
    ]);
    const fds = [...(r[1] as number[]), ...(r[4] as number[])];
    expect(fds).toHaveLength(3);
    expect(n.closeFds(fds)).toBe(0);
    for (const fd of [x, y, memfd]) n.close(fd);
  });

  it('native sendMessages sends joined texts in one sendmmsg, stops before a message over 64 KiB, and strips a given prefix on receive', () => {
    const n = native();
    const [x, y] = n.unixSocketPair() as [number, number];
    const memfd = n.memfdCreate('send-many', 0);
    // texts joined; meta per message: its length, its number of fds, the fds
    const texts = ['Pone', 'Ptwo', 'x'.repeat(65537), 'Plast'];
    const metas = [
      Int32Array.of(4, 1, memfd),
      Int32Array.of(4, 0),
      Int32Array.of(65537, 0),
      Int32Array.of(5, 0),
    ];
    const from = (i: number): [string, Int32Array] => [
      texts.slice(i).join(''),
      Int32Array.from(metas.slice(i).flatMap((m) => [...m])),
    ];
    expect(n.sendMessages(x, ...from(0), 4)).toBe(2); // the third is too long: the batch ends before it
    expect(n.sendMessages(x, ...from(2), 2)).toBe(-90); // alone first, it is its error
    expect(n.sendMessages(x, ...from(3), 1)).toBe(1);
    expect(n.sendMessages(x, ...from(3), 0)).toBe(0);
    // the receiver names a prefix: messages that begin with it come without it, flag 4
    const r = receiveFlat(y, 8, 'P') as Array<string | number[] | number>;
    expect(r.filter((_, i) => i % 3 !== 1)).toEqual(['one', 4, 'two', 4, 'last', 4]);
    expect(r[1]).toHaveLength(1);
    expect(n.closeFds(r[1] as number[])).toBe(0);
    expect(n.sendMessage(x, 'Qno', [])).toBe(3);
    // one message alone comes back as its text, its flags and fds in meta
    const meta = new Int32Array(metaLength(8)).fill(-1);
    expect(n.receiveMessages(y, 8, meta, 'P')).toBe('Qno');
    expect([...meta.subarray(0, 5)]).toEqual([1, 0, 3, 0, -1]); // one message: flags 0, 3 bytes, no fd
    // one ASCII message is made from Latin-1, one that is not from UTF-8: both the text that was sent
    expect(n.sendMessage(x, 'Q\u00e9\u20ac', [])).toBe(6);
    expect(n.receiveMessages(y, 8, meta)).toBe('Q\u00e9\u20ac');
    expect(meta[2]).toBe(6); // bytes
    expect(n.sendMessage(x, 'Q\u007f~', [])).toBe(3);
    expect(n.receiveMessages(y, 8, meta)).toBe('Q\u007f~');
    expect(n.receiveMessages(y, 8, new Int32Array(metaLength(8) - 1))).toBe(-22); // a meta too short for max: EINVAL
    expect(n.receiveMessages(y, 8, meta)).toBe(-11); // and nothing was read
    // a socket that is full: 0 messages went, nothing lost
    let sent = 0;
    for (let k = n.sendMessages(x, ...from(0), 2); k > 0; k = n.sendMessages(x, ...from(1), 1)) sent += k;
    expect(n.sendMessages(x, ...from(1), 1)).toBe(-11); // EAGAIN
    let got = 0;
    for (let m = receiveFlat(y, 32); typeof m !== 'number'; m = receiveFlat(y, 32)) {
      for (let i = 0; i < m.length; i += 3) n.closeFds(m[i + 1] as number[]);
      got += m.length / 3;
    }
    expect(got).toBe(sent);
    for (const fd of [x, y, memfd]) n.close(fd);
  });

  it('native closeFds closes exactly the listed fds (runs and gaps); a lone closed fd is EBADF', () => {
    const n = native();
    const fds = Array.from({ length: 6 }, () => n.memfdCreate('close-fds', 0));
    const open = (fd: number) => n.getFdFlags(fd) >= 0;
    const [f0, f1, f2, f3, f4, f5] = fds as [number, number, number, number, number, number];
    expect(n.closeFds([f3, f0, f1])).toBe(0);
    expect(fds.map(open)).toEqual([false, false, true, false, true, true]);
    // one run: close_range skips f3 (closed already) and closes f2 and f4
    expect(n.closeFds([f2, f3, f4])).toBe(0);
    expect(fds.map(open)).toEqual([false, false, false, false, false, true]);
    expect(n.closeFds([f0])).toBe(-9); // EBADF
    expect(n.closeFds([])).toBe(0);
    expect(n.closeFds([f5])).toBe(0);
    expect(open(f5)).toBe(false);
  });

  it('receive times out and aborts with typed errors; send/receive after close are ECANCELED', async () => {
    const [a, b] = BufferChannel.pair({ framework: fw });
    await expect(b.receive({ timeoutMs: 20 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    const ac = new AbortController();
    const p = b.receive({ signal: ac.signal });
    ac.abort(new Error('bye'));
    await expect(p).rejects.toMatchObject({ code: 'ABORT_ERR', cause: new Error('bye') });
    const pending = b.receive();
    b.close();
    await expect(pending).rejects.toMatchObject({ code: 'ECANCELED' });
    await expect(b.sendMessage('x')).rejects.toMatchObject({ code: 'ECANCELED' });
    await expect(a.sendMessage('x')).rejects.toMatchObject({
      code: 'EPIPE',
      hint: expect.stringMatching(/closed the channel or exited/),
    });
    await expect(a.sendMessage(10n)).rejects.toMatchObject({ code: 'EINVAL' });
    const gone = fw.export({ size: 4096 });
    gone.put();
    await expect(a.send(gone)).rejects.toBeInstanceOf(ReleasedError);
    // @ts-expect-error not a buffer on purpose
    await expect(a.send({ fd: 3 })).rejects.toMatchObject({
      code: 'EINVAL',
      message: expect.stringMatching(/Expected a DmaBuf/),
    });
    const live = fw.export({ size: 4096 });
    await expect(a.send(live, { big: 1n })).rejects.toMatchObject({
      code: 'EINVAL',
      message: expect.stringMatching(/meta/),
    });
    live.put();
    a.close();
  });

  it('request/reply: receiving again from the last delivery keeps the watcher armed (no native arm per message); once nobody waits, nothing keeps the loop alive', async () => {
    const [a, b] = BufferChannel.pair({ framework: fw });
    const buf = fw.export({ size: 4096 });
    const n = native();
    const arm = n.watcherArm;
    let arms = 0;
    n.watcherArm = (id, events) => {
      arms++;
      return arm(id, events);
    };
    try {
      const echo = (async () => {
        let k = 0;
        for await (const m of b) {
          bufferOf(m).put();
          await b.sendMessage({ ok: 'meta' in m ? m.meta : undefined });
          if (++k === 50) break;
        }
      })();
      for (let i = 0; i < 50; i++) {
        await a.send(buf, { i });
        expect(await a.receive()).toEqual({ message: { ok: { i } } });
      }
      await echo;
    } finally {
      n.watcherArm = arm;
    }
    expect(arms).toBeLessThanOrEqual(4); // one per side for the first wait (one per message per side before)
    await settled();
    expect(native().pendingPolls()).toBe(0);
    // a wait dropped within a delivery's continuation (an abort there) disarms the watcher too
    const ac = new AbortController();
    const next = b.receive().then(() => {
      const p = b.receive({ signal: ac.signal });
      ac.abort();
      return p;
    });
    await a.sendMessage('x');
    await expect(next).rejects.toMatchObject({ code: 'ABORT_ERR' });
    await settled();
    expect(native().pendingPolls()).toBe(0);
    buf.put();
    a.close();
    b.close();
  });

  it('listen/connect over a path: credentials, iteration, the socket file removed at close', async () => {
    const path = join(dir, 'a.sock');
    const server = BufferChannel.listen(path, { framework: fw });
    expect(existsSync(path)).toBe(true);
    const accepted = server.accept();
    const client = await BufferChannel.connect(path, { framework: other });
    const peer = await accepted;
    expect(peer.credentials).toEqual({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
    expect(client.credentials.pid).toBe(process.pid);
    const buf = other.export({ size: 4096 });
    await client.send(buf, 'hello');
    const m = await peer.receive();
    expect(bufferOf(m).identity).toBe(buf.identity);
    await peer.sendMessage({ ok: true });
    expect(await client.receive()).toEqual({ message: { ok: true } });
    bufferOf(m).put();
    buf.put();
    client.close();
    peer.close();
    server.close();
    expect(existsSync(path)).toBe(false);
    await expect(server.accept()).rejects.toMatchObject({ code: 'ECANCELED' });
  });

  it("the 'connection' event and for-await both hand out peers; iteration ends at close", async () => {
    const path = join(dir, 'b.sock');
    await using server = BufferChannel.listen(path, { framework: fw });
    const viaEvent = new Promise<ChannelPeer>((r) => server.once('connection', r));
    const c1 = await BufferChannel.connect(path, { framework: fw });
    const p1 = await viaEvent;
    const iterated: ChannelPeer[] = [];
    const loop = (async () => {
      for await (const p of server) iterated.push(p);
    })();
    const c2 = await BufferChannel.connect(path, { framework: fw });
    await settled();
    server.close();
    await loop;
    expect(iterated).toHaveLength(1);
    for (const p of [c1, p1, c2, ...iterated]) p.close();
  });

  it("stops polling when the last 'connection' listener goes", async () => {
    const path = join(dir, 'e.sock');
    await using server = BufferChannel.listen(path, { framework: fw });
    const onConnection = (p: ChannelPeer) => p.close();
    server.on('connection', onConnection);
    await settled();
    expect(native().pendingPolls()).toBe(1);
    server.off('connection', onConnection);
    await settled();
    expect(native().pendingPolls()).toBe(0);
  });

  it('a channel end garbage-collected without close() has its socket, watcher and undelivered fds closed', () => {
    const dist = fileURLToPath(new URL('../dist/', import.meta.url));
    const sock = join(dir, 'gc.sock');
    const script = `
      const { BufferChannel, Framework, openFdCount } = await import(${JSON.stringify(`${dist}index.js`)});
      const { native } = await import(${JSON.stringify(`${dist}native.js`)});
      const { memfdExporterPlugin } = await import(${JSON.stringify(`${dist}testing/index.js`)});
      const { existsSync } = await import('node:fs');
      const warnings = [];
      process.on('warning', (w) => w.code === 'DMABUF_CHANNEL_LEAK' && warnings.push(w.message));
      const fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
      const buf = fw.export({ size: 4096 });
      const before = openFdCount();
      await (async () => {
        BufferChannel.listen(${JSON.stringify(sock)}, { framework: fw }).accept({ timeoutMs: 5 }).catch(() => {});
        const [a, b] = BufferChannel.pair({ framework: fw });
        for (let i = 0; i < 3; i++) await a.send(buf);
        (await b.receive()).buffer.put(); // two more wait in b's inbox, fds and all
      })();
      await new Promise((r) => setTimeout(r, 20));
      for (let i = 0; i < 20 && warnings.length < 3; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); }
      await new Promise((r) => setTimeout(r, 10));
      console.log(JSON.stringify({ warnings: warnings.length, leaked: openFdCount() - before, file: existsSync(${JSON.stringify(sock)}), watchers: native().liveWatchers() }));
      buf.put();
    `;
    // --no-warnings: printing the first warning would open node's stderr handle (an fd)
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', '--no-warnings', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(out)).toEqual({ warnings: 3, leaked: 0, file: false, watchers: 0 });
  });

  it('a server of another protocol version is refused with EPROTO, nothing left open', async () => {
    const before = openFdCount();
    const n = native();
    const path = join(dir, 'old.sock');
    const listener = n.unixListen(path, 4);
    expect(listener).toBeGreaterThanOrEqual(0);
    const connecting = BufferChannel.connect(path, { framework: fw, timeoutMs: 5000 });
    let server = -11;
    for (let i = 0; i < 200 && server < 0; i++) {
      server = n.unixAccept(listener);
      if (server < 0) await new Promise((r) => setTimeout(r, 5));
    }
    expect(server).toBeGreaterThanOrEqual(0);
    expect(n.sendMessage(server, 'H{"v":1}', [])).toBeGreaterThan(0);
    await expect(connecting).rejects.toMatchObject({
      code: 'EPROTO',
      message: expect.stringMatching(/speaks channel protocol 1, this process 2/),
    });
    n.close(server);
    n.close(listener);
    rmSync(path);
    await settled();
    expect(openFdCount()).toBe(before);
  });

  it('listen in a folder that does not exist says so', () => {
    expect(() => BufferChannel.listen(join(dir, 'missing', 'x.sock'), { framework: fw })).toThrow(
      expect.objectContaining({ code: 'ENOENT', hint: expect.stringMatching(/folder .* does not exist/) }),
    );
  });

  it('refuses peers the allow-list rejects: EACCES on both sides, never a crash, no fd left', async () => {
    const before = openFdCount();
    const path = join(dir, 'c.sock');
    const server = BufferChannel.listen(path, { framework: fw, allow: (c) => c.pid !== process.pid });
    const refused = new Promise<PeerRefusedError>((r) => server.on('refused', r));
    const accepted = server.accept();
    const err = await BufferChannel.connect(path, { framework: fw }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerRefusedError);
    expect(err).toMatchObject({ code: 'EACCES', message: expect.stringMatching(/allow function refused/) });
    const ev = await refused;
    expect(ev).toMatchObject({ code: 'EACCES', credentials: { pid: process.pid } });
    // the client refuses a server it does not trust
    server.close();
    await expect(accepted).rejects.toMatchObject({ code: 'ECANCELED' });
    const s2 = BufferChannel.listen(path, { framework: fw, allow: {} });
    void s2.accept().then(
      (p) => p.close(),
      () => undefined,
    );
    await expect(
      BufferChannel.connect(path, { framework: fw, allow: { uids: [4242] } }),
    ).rejects.toMatchObject({
      code: 'EACCES',
      message: expect.stringMatching(/uid \d+ is not in allow.uids/),
    });
    s2.close();
    await settled();
    expect(openFdCount()).toBe(before);
  });

  it('path handling: stale socket replaced, live one EADDRINUSE, a regular file never removed, no server ENOENT', async () => {
    const path = join(dir, 'd.sock');
    const s1 = BufferChannel.listen(path, { framework: fw });
    expect(() => BufferChannel.listen(path, { framework: fw })).toThrow(
      expect.objectContaining({ code: 'EADDRINUSE' }),
    );
    s1.close();
    // a server that died: its socket closed, the file left behind
    native().close(native().unixListen(path, 1));
    expect(existsSync(path)).toBe(true);
    const s2 = BufferChannel.listen(path, { framework: fw });
    s2.close();
    expect(existsSync(path)).toBe(false);
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'keep me');
    expect(() => BufferChannel.listen(file, { framework: fw })).toThrow(
      expect.objectContaining({ code: 'EADDRINUSE' }),
    );
    expect(existsSync(file)).toBe(true);
    await expect(BufferChannel.connect(join(dir, 'nobody.sock'), { framework: fw })).rejects.toMatchObject({
      code: 'ENOENT',
      hint: expect.stringMatching(/No server listens/),
    });
    expect(() => BufferChannel.listen('x'.repeat(200), { framework: fw })).toThrow(
      /socket path of 1 to 107 bytes/,
    );
    // @ts-expect-error no framework on purpose
    expect(() => BufferChannel.listen(path, {})).toThrow(/options.framework/);
    // @ts-expect-error bad allow on purpose
    expect(() => BufferChannel.listen(path, { framework: fw, allow: { uids: 'root' } })).toThrow(
      /allow.uids/,
    );
  });
});
