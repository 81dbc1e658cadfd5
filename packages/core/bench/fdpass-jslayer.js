// What BufferChannel's JavaScript costs per round trip, without the kernel:
// a pair in one process, the round trips of the fdpass rtt bench (a buffer
// with meta {i} one way, {ok: 1} back, a receiver that keeps the buffers it
// has seen), with the core addon's socket calls answered by fakes (no
// syscall) and the watcher's callback called by hand. Prints the CPU time
// per trip of each side, best of ROUNDS, minus the driver's own setImmediate
// per trip. Not a .bench.js (run.js skips it): a tool for work on the
// channel's per-message path.
//   node bench/fdpass-jslayer.js [trips per round, default 50000]
import { BufferChannel, Framework } from '@dmabuf/core';
import { memfdExporterPlugin } from '@dmabuf/core/testing';
// the raw addon and the wire text are not public API: this tool lives in the package and takes them from dist
import { bufferText } from '../dist/channel/protocol.js';
import { native } from '../dist/native.js';

const TRIPS = Number(process.argv[2] ?? 50_000);
const ROUNDS = 5;
const WARMUP = 20;
const EAGAIN = -11;
/** Received fd numbers the fakes hand out (never open: their close is faked too). */
const FAKE_FD = 100_000;

const n = native();
const real = { ...n };
const fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
const [sender, receiver] = BufferChannel.pair({ framework: fw });
const pool = [0, 1, 2, 3].map(() => fw.export({ size: 65536 }));

let fake = false;
/** fd -> the watcher callback of the peer reading it. */
const onReady = new Map();
const watched = new Map();
/** The receiver's socket: the one the warm-up's buffer messages arrive on. */
let receiverFd = -1;
/** fd -> what the next fake read gives (a function of the prefix asked for). */
const next = new Map();
n.watcherOpen = (fd, borrow) => {
  const id = real.watcherOpen(fd, borrow);
  watched.set(id, fd);
  return id;
};
n.watcherListen = (id, fn, flags) => {
  onReady.set(watched.get(id), fn);
  return real.watcherListen(id, fn, flags);
};
n.receiveMessages = (fd, max, meta, prefix) => {
  if (!fake) {
    const r = real.receiveMessages(fd, max, meta, prefix);
    if (typeof r !== 'number' && r.length && meta[3] > 0) receiverFd = fd;
    return r;
  }
  const make = next.get(fd);
  next.delete(fd);
  return make ? make(prefix, meta) : EAGAIN;
};
n.sendMessages = (fd, texts, meta, count) => (fake ? count : real.sendMessages(fd, texts, meta, count));
n.sendMessage = (fd, text, fds, tail) => (fake ? text.length : real.sendMessage(fd, text, fds, tail));
n.close = (fd) => (fd >= FAKE_FD ? 0 : real.close(fd));
n.closeFdsIn = (list, from, to) => (fake ? 0 : real.closeFdsIn(list, from, to));
n.watcherArm = (id, events) => (fake ? 0 : real.watcherArm(id, events));

const seen = new Map();
let got = 0;
const keep = (m) => {
  if (!('buffer' in m)) return;
  const b = m.buffer;
  if (seen.has(b.identity)) b.put();
  else seen.set(b.identity, b);
  got++;
};
const receiving = async (count) => {
  got = 0;
  for await (const m of receiver) {
    keep(m);
    await receiver.sendMessage({ ok: 1 });
    if (got === count) break;
  }
};
const sending = async (count) => {
  for (let i = 0; i < count; i++) {
    await sender.send(pool[i & 3], { i });
    await sender.receive();
  }
};

// real round trips first: the heads and identity claims are cached as in a long run
await Promise.all([sending(WARMUP), receiving(WARMUP)]);
const senderFd = [...onReady.keys()].find((fd) => fd !== receiverFd);
fake = true;

const texts = pool.map((b) => bufferText(b).withMeta);
const turn = () => new Promise((resolve) => setImmediate(resolve));
const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

/** CPU µs per trip of one side: each trip, the message it gets is ready and its watcher fires. */
async function side(fd, loop, message) {
  const wake = onReady.get(fd);
  await turn();
  const t0 = cpuUs();
  for (let i = 0; i < TRIPS; i++) {
    next.set(fd, message(i));
    wake(1);
    await turn();
  }
  const t1 = cpuUs();
  next.set(fd, message(TRIPS));
  wake(1);
  await loop;
  return (t1 - t0) / TRIPS;
}

// what the native read gives: one message's text; the count, its flags, length and fd count, and its fd written into meta
const buffer = (i) => (prefix, meta) => {
  const t = texts[i & 3];
  const stripped = prefix && t.startsWith(prefix);
  const text = stripped ? `${t.slice(prefix.length)}{"i":${i}}` : `${t}{"i":${i}}`;
  meta[0] = 1;
  meta[1] = stripped ? 4 : 0;
  meta[2] = text.length;
  meta[3] = 1;
  meta[97] = FAKE_FD + (i & 3);
  return text;
};
const reply = () => (_prefix, meta) => {
  meta[0] = 1;
  meta[1] = 0;
  meta[2] = 9;
  meta[3] = 0;
  return 'M{"ok":1}';
};

const best = { turn: Infinity, receiver: Infinity, sender: Infinity };
for (let r = 0; r < ROUNDS; r++) {
  const t0 = cpuUs();
  for (let i = 0; i < TRIPS; i++) await turn();
  best.turn = Math.min(best.turn, (cpuUs() - t0) / TRIPS);
  best.receiver = Math.min(best.receiver, await side(receiverFd, receiving(TRIPS + 1), buffer));
  best.sender = Math.min(best.sender, await side(senderFd, sending(TRIPS + 1), reply));
}
const us = (x) => Number((x - best.turn).toFixed(3));
console.log(
  JSON.stringify({ receiverUsPerTrip: us(best.receiver), senderUsPerTrip: us(best.sender), trips: TRIPS }),
);
sender.close();
receiver.close();
for (const b of seen.values()) b.put();
for (const b of pool) b.put();
await fw.close();
