// The sending process of the fd-passing benchmark (ours): connects to the
// receiver's channel and sends buffers from a pool of 4 memfd-test DmaBufs of
// <size> bytes, meta { i }, as fast as the channel takes them ('stream') or
// waiting for a reply after each ('rtt').
//   node fdpass-sender.js <socket> stream|rtt <count> <size>
import { BufferChannel, Framework } from '@dmabuf/core';
import { memfdExporterPlugin } from '@dmabuf/core/testing';

const [path, mode, countArg, sizeArg] = process.argv.slice(2);
const count = Number(countArg);
const fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
const pool = [0, 1, 2, 3].map(() => fw.export({ size: Number(sizeArg) }));
const peer = await BufferChannel.connect(path, { framework: fw });
if (mode === 'rtt') {
  for (let i = 0; i < count; i++) {
    await peer.send(pool[i & 3], { i });
    await peer.receive();
  }
} else {
  for (let i = 0; i < count; i++) await peer.send(pool[i & 3], { i });
  // stay until the receiver has everything (it closes first)
  await peer.receive().catch(() => undefined);
}
peer.close();
for (const b of pool) b.put();
await fw.close();
