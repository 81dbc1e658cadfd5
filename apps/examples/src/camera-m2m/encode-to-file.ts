// camera → vim2m (RGB24 → YUYV) → vicodec FWHT encoder → a file. Zero copy
// between the three devices: the camera's MMAP buffers are exported and
// imported by vim2m's OUTPUT queue, vim2m's CAPTURE buffers are exported and
// imported by the encoder's OUTPUT queue; only the compressed stream reaches
// JavaScript (to be written to the file).
import { open } from 'node:fs/promises';
import { Framework } from '@dmabuf/core';
import {
  codedChunks,
  feedFrames,
  V4l2Device,
  V4l2M2mDevice,
  v4l2ExporterPlugin,
} from '@dmabuf/importer-v4l2';

export interface EncodeOptions {
  /** Frames to encode. */
  frames: number;
  /** The file the FWHT stream goes to. */
  out: string;
  width?: number;
  height?: number;
  /** Stop early. */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface EncodeResult {
  frames: number;
  bytes: number;
  /** Compressed bytes of each frame. */
  sizes: number[];
}

export async function encodeToFile(options: EncodeOptions): Promise<EncodeResult> {
  const { frames, out, width = 640, height = 360, signal, log = () => {} } = options;
  const wait = { timeoutMs: 30_000, ...(signal ? { signal } : {}) };
  await using fw = await Framework.create({ plugins: [v4l2ExporterPlugin()] });
  using cam = V4l2Device.find({ queue: 'capture', capability: 'streaming', driver: 'vivid' });
  using conv = V4l2M2mDevice.find({ driver: 'vim2m' });
  using enc = V4l2M2mDevice.find({ role: 'encoder' });
  log(`${cam.path} (${cam.info.card}) → ${conv.name} → ${enc.name} → ${out}`);

  cam.setFormat('capture', { width, height, pixelformat: 'RGB3' });
  conv.configure({
    output: { width, height, pixelformat: 'RGB3' },
    capture: { width, height, pixelformat: 'YUYV' },
  });
  enc.configure({ output: { width, height, pixelformat: 'YUYV' }, capture: { pixelformat: 'FWHT' } });

  const camQ = cam.queue('capture', { memory: 'mmap', count: 4 });
  const camBufs = camQ.exportBuffers(fw);
  conv.open('output', { memory: 'dmabuf', count: 4 });
  const convCap = conv.open('capture', { memory: 'mmap', count: 4 });
  const convBufs = convCap.exportBuffers(fw);
  enc.open('output', { memory: 'dmabuf', count: 4 });
  const encCap = enc.open('capture', { memory: 'mmap', count: 4 });
  enc.subscribe('eos');
  const file = await open(out, 'w');
  try {
    for (let i = 0; i < camQ.count; i++) camQ.queue(i);
    for (let i = 0; i < convCap.count; i++) convCap.queue(i);
    for (let i = 0; i < encCap.count; i++) encCap.queue(i);
    camQ.start();
    conv.start();
    enc.start();
    const sizes: number[] = [];
    await Promise.all([
      // camera frames into vim2m (each back to the camera once vim2m has read it)
      feedFrames(conv, camQ.frames(wait), { ...wait, limit: frames }),
      // vim2m's YUYV frames into the encoder; after the last one, the encoder drains
      feedFrames(enc, convCap.frames(wait), { ...wait, limit: frames }),
      // the compressed stream, as it comes, to the file
      (async () => {
        for await (const chunk of codedChunks(enc, wait)) {
          await file.write(chunk.data);
          sizes.push(chunk.data.length);
        }
      })(),
    ]);
    const bytes = sizes.reduce((n, s) => n + s, 0);
    return { frames: sizes.length, bytes, sizes };
  } finally {
    await file.close();
    enc.close();
    conv.close();
    camQ.close();
    for (const b of [...camBufs, ...convBufs]) if (!b.released) b.put();
  }
}
