// The sending process of the fd-passing benchmark (ours): connects to the
// receiver's channel and sends buffers from a pool of 4 memfd-test DmaBufs of
// <size> bytes, meta { i }, as fast as the channel takes them ('stream': one
// send() each; 'batch': sendMany() of <batch> at a time) or waiting for a
// reply after each ('rtt').
//   node fdpass-sender.js <socket> stream|batch|rtt <count> <size> [warmup] [batch]
// Prints {"cpuUs", "switches"}: its CPU time and context switches for the messages after the warm-up.
import { BufferChannel, Framework } from '@dmabuf/core';
import { memfdExporterPlugin } from '@dmabuf/core/testing';

const [path, mode, countArg, sizeArg, warmupArg, batchArg] = process.argv.slice(2);
const count = Number(countArg);
const warmup = Number(warmupArg ?? 0);
let cpu0 = process.cpuUsage();
const switchCount = () => {
  const r = process.resourceUsage();
  return r.voluntaryContextSwitches + r.involuntaryContextSwitches;
};
let switches0 = switchCount();
let marked = false;
const mark = (i) => {
  if (!marked && i >= warmup) {
    marked = true;
    cpu0 = process.cpuUsage();
    switches0 = switchCount();
  }
};
const fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
const pool = [0, 1, 2, 3].map(() => fw.export({ size: Number(sizeArg) }));
const peer = await BufferChannel.connect(path, { framework: fw });
if (mode === 'rtt') {
  for (let i = 0; i < count; i++) {
    mark(i);
    await peer.send(pool[i & 3], { i });
    await peer.receive();
  }
} else if (mode === 'batch') {
  const batch = Number(batchArg ?? 32);
  for (let i = 0; i < count; i += batch) {
    mark(i);
    const items = [];
    for (let k = i; k < i + batch && k < count; k++) items.push({ buffer: pool[k & 3], meta: { i: k } });
    await peer.sendMany(items);
  }
  await peer.receive().catch(() => undefined);
} else {
  for (let i = 0; i < count; i++) {
    mark(i);
    await peer.send(pool[i & 3], { i });
  }
  // stay until the receiver has everything (it closes first)
  await peer.receive().catch(() => undefined);
}
const cpu = process.cpuUsage(cpu0);
// CPU µs this process spent on the measured messages (after the warm-up), and its context switches
console.log(JSON.stringify({ cpuUs: cpu.user + cpu.system, switches: switchCount() - switches0 }));
peer.close();
for (const b of pool) b.put();
await fw.close();
