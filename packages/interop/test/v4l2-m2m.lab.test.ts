import { type DmaBuf, Framework, openFdCount } from '@dmabuf/core';
import { udmabufPlugin } from '@dmabuf/exporter-udmabuf';
import { VIVID_BARS } from '@dmabuf/lab/guest';
import { labSuite } from '@dmabuf/lab/suite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type V4l2Device, V4l2M2mDevice } from '../../importer-v4l2/src/index.js'; // the same module as its vivid helpers
import { quietPattern, resetVivid, vividCapture } from '../../importer-v4l2/test/lab-helpers.js';
import { firstDifference, rgb565, vim2mConvert } from '../../importer-v4l2/test/vim2m-reference.js';

const W = 640;
const H = 360;

function putAll(bufs: DmaBuf[]): void {
  for (const b of bufs) if (!b.released) b.put();
}

labSuite('camera → vim2m → consumer, zero copy', { needs: ['vivid', 'vim2m', 'udmabuf'] }, () => {
  let fw: Framework;
  let cam: V4l2Device;

  beforeAll(async () => {
    fw = await Framework.create({ plugins: [udmabufPlugin()] });
    cam = vividCapture();
    resetVivid(cam);
    quietPattern(cam);
    fw.export({ exporter: 'udmabuf', size: 4096 }).put(); // opens /dev/udmabuf, kept until close: not a leak
  });
  afterAll(async () => {
    if (cam) resetVivid(cam);
    cam?.close();
    await fw?.close();
  });

  it('vivid writes udmabufs that vim2m OUTPUT imports; vim2m CAPTURE writes RGB565 into udmabufs the consumer allocated; content as vim2m.c computes', async () => {
    const fds = openFdCount();
    cam.setFormat('capture', { width: W, height: H, pixelformat: 'RGB3' });
    const camQ = cam.queue('capture', { count: 4 });
    const m2m = V4l2M2mDevice.find({ driver: 'vim2m' });
    const camBufs = Array.from({ length: 4 }, () =>
      fw.export({ exporter: 'udmabuf', size: camQ.format.planes[0]!.sizeimage }),
    );
    let sinkBufs: DmaBuf[] = [];
    try {
      const fmts = m2m.configure({
        output: { width: W, height: H, pixelformat: 'RGB3' },
        capture: { width: W, height: H, pixelformat: 'RGBP' },
      });
      m2m.device.setControl('transaction_time_msec', 1);
      m2m.open('output', { count: 4 });
      const cap = m2m.open('capture', { count: 2 });
      // the consumer (the next stage) allocates what vim2m writes into
      sinkBufs = Array.from({ length: 2 }, () =>
        fw.export({
          exporter: 'udmabuf',
          constraints: cap.constraints(),
          size: fmts.capture.planes[0]!.sizeimage,
        }),
      );
      for (const b of sinkBufs) cap.queue(b);
      for (const b of camBufs) camQ.queue(b);
      camQ.start();
      m2m.start();
      const pitch = fmts.capture.planes[0]!.bytesperline;
      for (let n = 0; n < 4; n++) {
        const shot = await camQ.dequeue({ timeoutMs: 30_000 });
        const { frame, input } = await m2m.process(shot.buffer!, { timeoutMs: 30_000 });
        expect(sinkBufs).toContain(frame.buffer);
        expect(input.buffer).toBe(shot.buffer);
        // one dma-buf, two importers: the camera wrote it, vim2m read it
        expect(shot.buffer!.attachments.map((a) => a.device).sort()).toEqual(
          [`V4L2 ${cam.path} (capture)`, `V4L2 ${m2m.path} (output)`].sort(),
        );
        {
          using src = shot.buffer!.cpuAccess('read');
          using dst = frame.buffer!.cpuAccess('read');
          const want = vim2mConvert(src.bytes.subarray(0, W * H * 3), W, H, 'RGB3', 'RGBP');
          expect(firstDifference(dst.bytes.subarray(0, want.length), want, pitch), `frame ${n}`).toBe('');
          const at = (x: number) =>
            dst.bytes[100 * pitch + x * 2]! | (dst.bytes[100 * pitch + x * 2 + 1]! << 8);
          expect([40, 120, 200, 280, 360, 440, 520, 600].map(at)).toEqual(
            VIVID_BARS.map(([r, g, b]) => rgb565(r, g, b)),
          );
        }
        frame.requeue();
        input.drop();
        shot.requeue();
      }
      m2m.stop();
      camQ.stop();
      for (const b of [...camBufs, ...sinkBufs]) expect(b.attachments).toHaveLength(0);
    } finally {
      m2m.close();
      camQ.close();
      putAll(camBufs);
      putAll(sinkBufs);
    }
    expect(openFdCount()).toBe(fds);
  });
});
