// The sending process of the fd-passing benchmark (ours): connects to the
// receiver's channel and sends buffers from a pool of 4 memfd-test DmaBufs of
// <size> bytes, meta { i }, as fast as the channel takes them ('stream': one
// send() each; 'batch': sendMany() of <batch> at a time) or waiting for a
// reply after each ('rtt').
//
// One process serves a whole bench run, as a long-running sender would: it
// reads one round a line on stdin,
//   {"path", "mode": "stream"|"batch"|"rtt", "count", "size", "warmup", "batch"}
// connects to <path>, sends, and answers the round on a line of stdout:
//   {"cpuUs", "switches"}: its CPU time and context switches for the messages after the warm-up.
// Its framework and buffer pool (one per size) live from round to round; it
// exits when stdin ends.
import { createInterface } from 'node:readline';
import { BufferChannel, Framework } from '@dmabuf/core';
import { memfdExporterPlugin } from '@dmabuf/core/testing';

const fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
/** The pool of 4 buffers of each size asked for so far. */
const pools = new Map();
const poolOf = (size) => {
  if (!pools.has(size))
    pools.set(
      size,
      [0, 1, 2, 3].map(() => fw.export({ size })),
    );
  return pools.get(size);
};

const switchCount = () => {
  const r = process.resourceUsage();
  return r.voluntaryContextSwitches + r.involuntaryContextSwitches;
};

/** One round: connects to `path`, sends `count` messages, returns { cpuUs, switches } of those after the first `warmup`. */
async function round({ path, mode, count, size, warmup = 0, batch = 32 }) {
  const pool = poolOf(size);
  let cpu0 = process.cpuUsage();
  let switches0 = switchCount();
  let marked = false;
  const mark = (i) => {
    if (!marked && i >= warmup) {
      marked = true;
      cpu0 = process.cpuUsage();
      switches0 = switchCount();
    }
  };
  const peer = await BufferChannel.connect(path, { framework: fw });
  if (mode === 'rtt') {
    for (let i = 0; i < count; i++) {
      mark(i);
      await peer.send(pool[i & 3], { i });
      await peer.receive();
    }
  } else if (mode === 'batch') {
    for (let i = 0; i < count; i += batch) {
      mark(i);
      const items = [];
      for (let k = i; k < i + batch && k < count; k++) items.push({ buffer: pool[k & 3], meta: { i: k } });
      await peer.sendMany(items);
    }
    // stay until the receiver has everything (it closes first)
    await peer.receive().catch(() => undefined);
  } else {
    for (let i = 0; i < count; i++) {
      mark(i);
      await peer.send(pool[i & 3], { i });
    }
    await peer.receive().catch(() => undefined);
  }
  const cpu = process.cpuUsage(cpu0);
  const result = { cpuUs: cpu.user + cpu.system, switches: switchCount() - switches0 };
  peer.close();
  return result;
}

// one round at a time, in the order asked
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  console.log(JSON.stringify(await round(JSON.parse(line))));
}
for (const pool of pools.values()) for (const b of pool) b.put();
await fw.close();
