import { openFdCount } from '@dmabuf/core';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import {
  type CodedChunk,
  codedChunks,
  copyFrameBytes,
  FormatError,
  feedFrames,
  M2mDecoder,
  V4l2M2mDevice,
  v4l2ExporterPlugin,
} from '../src/index.js';
import { quietCameraSuite, quietPattern } from './lab-helpers.js';

const MAGIC = [0x4f, 0x4f, 0x4f, 0x4f, 0xff, 0xff, 0xff, 0xff];

/** Mean and largest absolute difference of two images. */
function loss(a: Uint8Array, b: Uint8Array): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / a.length, max };
}

labSuite('V4L2 stateful codec on vicodec (FWHT)', { needs: ['vivid', 'vicodec'] }, () => {
  const s = quietCameraSuite(() => [v4l2ExporterPlugin()]);

  /** Encode `n` camera frames at width x height (YUYV): the chunks and one raw camera frame. */
  async function encode(width: number, height: number, n: number, qp?: number) {
    s.cam.setFormat('capture', { width, height, pixelformat: 'YUYV' });
    const camQ = s.cam.queue('capture', { memory: 'mmap', count: 4 });
    const camBufs = camQ.exportBuffers(s.fw);
    let enc: V4l2M2mDevice | undefined;
    try {
      enc = V4l2M2mDevice.find({ driver: 'vicodec', role: 'encoder' });
      expect(enc.role).toBe('encoder');
      enc.configure({ output: { width, height, pixelformat: 'YUYV' }, capture: { pixelformat: 'FWHT' } });
      if (qp !== undefined) {
        enc.device.setControl('fwht_i_frame_qp_value', qp);
        enc.device.setControl('fwht_p_frame_qp_value', qp);
      }
      enc.subscribe('eos');
      enc.open('output', { memory: 'dmabuf', count: 4 }); // imports the camera's buffers
      const cap = enc.open('capture', { memory: 'mmap', count: 4 });
      for (let i = 0; i < cap.count; i++) cap.queue(i);
      for (let i = 0; i < camQ.count; i++) camQ.queue(i);
      camQ.start();
      enc.start();
      const chunks: CodedChunk[] = [];
      let raw: Uint8Array | undefined;
      const source = (async function* () {
        for await (const f of camQ.frames({ timeoutMs: 30_000 })) {
          raw ??= copyFrameBytes(camQ, f);
          yield f;
        }
      })();
      const [fed] = await Promise.all([
        feedFrames(enc, source, { limit: n, timeoutMs: 30_000 }),
        (async () => {
          for await (const c of codedChunks(enc, { timeoutMs: 30_000 })) chunks.push(c);
        })(),
      ]);
      expect(fed).toBe(n);
      expect(cap.ended).toBe(true); // the drain's LAST buffer ended the iterator
      const eos = await enc.nextEvent('eos', { timeoutMs: 10_000 });
      expect(eos.kind).toBe('eos');
      enc.stop();
      for (const b of camBufs) expect(b.attachments).toHaveLength(0); // every camera buffer came back, detached
      return { chunks, raw: raw! };
    } finally {
      enc?.close();
      camQ.close();
      for (const b of camBufs) if (!b.released) b.put();
    }
  }

  async function decode(stream: CodedChunk[], pixelformat = 'YUYV') {
    let dec: V4l2M2mDevice | undefined;
    try {
      dec = V4l2M2mDevice.find({ driver: 'vicodec', role: 'decoder' });
      expect(dec.role).toBe('decoder');
      const d = new M2mDecoder(dec, { pixelformat });
      const pictures: { bytes: Uint8Array; width: number; height: number; pixelformat: string }[] = [];
      await Promise.all([
        (async () => {
          for (const c of stream) await d.write(c.data, { timeoutMs: 30_000 });
          d.end();
        })(),
        (async () => {
          for await (const { frame, format } of d.frames({ timeoutMs: 30_000 })) {
            pictures.push({
              bytes: copyFrameBytes(dec.capture, frame),
              width: format.width,
              height: format.height,
              pixelformat: format.pixelformat,
            });
            frame.requeue();
          }
        })(),
      ]);
      d.close();
      return { pictures, formats: d.formats };
    } finally {
      dec?.close();
    }
  }

  it('encodes camera buffers by import into an FWHT stream delivered as an async iterator, and decodes it back: the colour bars exactly', async () => {
    const fds = openFdCount();
    const { chunks, raw } = await encode(640, 360, 6);
    expect(chunks).toHaveLength(6);
    for (const c of chunks) {
      expect([...c.data.subarray(0, 8)]).toEqual(MAGIC);
      expect(c.data.length).toBeLessThan(raw.length);
    }
    const total = chunks.reduce((n, c) => n + c.data.length, 0);
    const { pictures } = await decode(chunks);
    expect(pictures).toHaveLength(6);
    for (const p of pictures) {
      expect(p).toMatchObject({ width: 640, height: 360, pixelformat: 'YUYV' });
      const l = loss(p.bytes.subarray(0, raw.length), raw);
      // the colour bars are flat 8x8 blocks: only DC coefficients, which survive FWHT's quantization exactly
      expect(l, `${total} bytes for 6 frames`).toEqual({ mean: 0, max: 0 });
    }
    expect(openFdCount()).toBe(fds);
  });

  it('loses detail inside blocks at its default QP 20 (a grey ramp comes back off by up to 2), and gives the ramp back exactly at QP 1', async () => {
    const ramp = s.cam.control('test_pattern').menu!.find((m) => m.name === 'Gray Ramp')!.index;
    s.cam.setControl('test_pattern', ramp);
    try {
      const seen: string[] = [];
      const means: number[] = [];
      for (const qp of [20, 1]) {
        const { chunks, raw } = await encode(640, 360, 2, qp);
        const { pictures } = await decode(chunks);
        const l = loss(pictures[0]!.bytes.subarray(0, raw.length), raw);
        seen.push(
          `QP ${qp}: I-frame ${chunks[0]!.data.length} bytes of ${raw.length}, loss mean ${l.mean.toFixed(3)} max ${l.max}`,
        );
        means.push(l.mean);
        if (qp === 20) expect(l.max, seen.join('; ')).toBeGreaterThan(0);
        else expect(l, seen.join('; ')).toEqual({ mean: 0, max: 0 });
        expect(l.mean, seen.join('; ')).toBeLessThan(4);
      }
      expect(means[1], seen.join('; ')).toBeLessThanOrEqual(means[0]!);
      console.log(`vicodec on vivid's grey ramp: ${seen.join('; ')}`);
    } finally {
      quietPattern(s.cam);
    }
  });

  it('follows a resolution change mid-stream (SOURCE_CHANGE): CAPTURE set up again at the new size', async () => {
    const a = await encode(640, 360, 3);
    const b = await encode(640, 480, 3);
    const { pictures, formats } = await decode([...a.chunks, ...b.chunks]);
    expect(formats.map((f) => `${f.width}x${f.height}`)).toEqual(['640x360', '640x480']);
    expect(pictures.map((p) => `${p.width}x${p.height}`)).toEqual([
      '640x360',
      '640x360',
      '640x360',
      '640x480',
      '640x480',
      '640x480',
    ]);
    expect(loss(pictures[4]!.bytes.subarray(0, b.raw.length), b.raw)).toEqual({ mean: 0, max: 0 });
  });

  it('refuses a stream that is not FWHT, and a decoder on an encoder node, naming the device; nothing leaks', async () => {
    const fds = openFdCount();
    {
      using dec = V4l2M2mDevice.find({ driver: 'vicodec', role: 'decoder' });
      const d = new M2mDecoder(dec);
      let err: unknown;
      try {
        await d.write(new Uint8Array(4096).fill(0x80));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FormatError);
      expect(String((err as Error).message)).toMatch(
        /stateful-decoder\) decodes FWHT: this stream does not start with an FWHT frame header/,
      );
      using enc = V4l2M2mDevice.find({ driver: 'vicodec', role: 'encoder' });
      expect(() => new M2mDecoder(enc)).toThrow(/is not a stateful decoder/);
    }
    expect(openFdCount()).toBe(fds);
  });
});
