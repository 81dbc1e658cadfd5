/**
 * Two processes sharing video frames without copying them: the producer
 * exports buffers (udmabuf when /dev/udmabuf exists, else the example ring
 * exporter over memfds), draws a frame into each through scoped CPU access and
 * sends it over a Unix socket (the fd travels with SCM_RIGHTS); the consumer
 * maps the same memory, checks it and answers with a checksum.
 *
 * Run: node dist/share-frames.js [--frames N]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BufferChannel, type DmaBufPlugin, Framework } from '@dmabuf/core';
import { type CommandHelp, parseCommand } from './command-line.js';
import { ringPlugin } from './custom-exporter.js';

const WIDTH = 320;
const HEIGHT = 240;
const FRAME_BYTES = WIDTH * HEIGHT * 4;

async function exporterPlugin(): Promise<{ plugin: DmaBufPlugin; name: string }> {
  if (existsSync('/dev/udmabuf')) {
    const { udmabufPlugin } = await import('@dmabuf/exporter-udmabuf');
    return { plugin: udmabufPlugin(), name: 'udmabuf' };
  }
  return { plugin: ringPlugin({ slotSize: FRAME_BYTES, slots: 4 }), name: 'ring' };
}

/** The frame pattern: every pixel's bytes depend on the frame number and position. */
function draw(bytes: Uint8Array, frame: number): void {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, FRAME_BYTES / 4);
  for (let i = 0; i < words.length; i++) words[i] = (frame * 2654435761 + i) >>> 0;
}

function checksum(bytes: Uint8Array): number {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, FRAME_BYTES / 4);
  let sum = 0;
  for (let i = 0; i < words.length; i++) sum = (sum + words[i]!) >>> 0;
  return sum;
}

export interface ShareResult {
  exporter: string;
  frames: number;
  verified: number;
  fdsLeakedProducer: number;
  fdsLeakedConsumer: number;
  ms: number;
}

export async function producer(frames: number): Promise<ShareResult> {
  const { openFdCount } = await import('@dmabuf/core');
  const dir = mkdtempSync(join(tmpdir(), 'dmabuf-share-'));
  const path = join(dir, 'frames.sock');
  const { plugin, name } = await exporterPlugin();
  const fdsBefore = openFdCount();
  const fw = await Framework.create({ plugins: [plugin] });
  const server = BufferChannel.listen(path, { framework: fw });
  // Under a TS test runner this module is src/*.ts; the child runs the built file.
  const script = fileURLToPath(import.meta.url).replace(/\/src\/([^/]+)\.ts$/, '/dist/$1.js');
  const child = spawn(process.execPath, [script, '--consumer', path], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`consumer exited early with code ${code}`))),
  );
  exited.catch(() => {});
  const started = performance.now();
  let verified = 0;
  let consumerLeak = -1;
  try {
    const peer = await Promise.race([server.accept({ timeoutMs: 30_000 }), exited]);
    const buffers = [0, 1].map(() => fw.export({ exporter: name, size: FRAME_BYTES }));
    for (let f = 0; f < frames; f++) {
      const buf = buffers[f % buffers.length]!;
      let expected: number;
      {
        using cpu = buf.cpuAccess('write');
        draw(cpu.bytes, f);
        expected = checksum(cpu.bytes);
      }
      await peer.send(buf, { frame: f });
      const answer = await peer.receive({ timeoutMs: 30_000 });
      if ('message' in answer && (answer.message as { sum: number }).sum === expected) verified++;
    }
    await peer.sendMessage({ done: true });
    const last = await peer.receive({ timeoutMs: 30_000 });
    if ('message' in last) consumerLeak = (last.message as { leaked: number }).leaked;
    await peer.close();
    for (const b of buffers) b.put();
  } finally {
    await server.close();
    await fw.close();
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    exporter: name,
    frames,
    verified,
    fdsLeakedProducer: openFdCount() - fdsBefore,
    fdsLeakedConsumer: consumerLeak,
    ms: performance.now() - started,
  };
}

async function consumer(path: string): Promise<void> {
  const { openFdCount } = await import('@dmabuf/core');
  const { plugin } = await exporterPlugin();
  const fw = await Framework.create({ plugins: [plugin] });
  const peer = await BufferChannel.connect(path, { framework: fw });
  // Counted after the first frame: the channel's own fds (socket, watcher) and whatever the
  // runtime opens lazily on first use stay open to the end; per-frame fds must not add up.
  let before: number | undefined;
  for await (const m of peer) {
    if ('buffer' in m) {
      const buf = m.buffer;
      let sum: number;
      {
        using cpu = buf.cpuAccess('read');
        sum = checksum(cpu.bytes);
      }
      buf.put();
      before ??= openFdCount();
      await peer.sendMessage({ sum });
    } else if ((m.message as { done?: boolean }).done) {
      break;
    }
  }
  const leaked = before === undefined ? 0 : openFdCount() - before; // every received buffer's fd closed again
  await fw.close();
  await peer.sendMessage({ leaked });
  await peer.close();
}

/** share-frames' command line. */
export const SHARE_FRAMES: CommandHelp = {
  name: 'share-frames',
  summary:
    'Share frames with a child process over a BufferChannel: the child checks every frame and both sides count their fds.',
  options: {
    frames: { type: 'string', value: 'N', default: '60', description: 'frames to share' },
    consumer: {
      type: 'string',
      value: 'SOCKET',
      description: 'run as the consumer on SOCKET (how the producer starts its child)',
    },
  },
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = parseCommand(SHARE_FRAMES, process.argv.slice(2));
  const frames = 'values' in args ? Number(args.values.frames) : 0;
  if ('exit' in args) {
    process.exitCode = args.exit;
  } else if (typeof args.values.consumer === 'string') {
    await consumer(args.values.consumer);
  } else if (!Number.isInteger(frames) || frames < 1) {
    console.error(`share-frames: --frames wants a whole number ≥ 1, got '${args.values.frames}'`);
    process.exitCode = 2;
  } else {
    const r = await producer(frames);
    console.log(
      `shared ${r.frames} frames of ${WIDTH}x${HEIGHT} XRGB8888 through ${r.exporter}: ${r.verified} verified by the consumer, ` +
        `${(r.frames / (r.ms / 1000)).toFixed(1)} frames/s round trip, fds leaked: producer ${r.fdsLeakedProducer}, consumer ${r.fdsLeakedConsumer}`,
    );
    if (r.verified !== r.frames || r.fdsLeakedProducer !== 0 || r.fdsLeakedConsumer !== 0)
      process.exitCode = 1;
  }
}
