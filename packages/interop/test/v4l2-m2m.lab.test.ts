import { type DmaBuf, openFdCount } from '@dmabuf/core';
import { VIVID_BARS } from '@dmabuf/lab/guest';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import { firstDifference, rgb565, vim2mConvert } from '../../importer-v4l2/test/vim2m-reference.js';
import { cameraIntoVim2m, cameraSuite, captureBufs } from './vim2m-rig.js';

const W = 640;
const H = 360;

function putAll(bufs: DmaBuf[]): void {
  for (const b of bufs) if (!b.released) b.put();
}

labSuite('camera → vim2m → consumer, zero copy', { needs: ['vivid', 'vim2m', 'udmabuf'] }, () => {
  const suite = cameraSuite();

  it('vivid writes udmabufs that vim2m OUTPUT imports; vim2m CAPTURE writes RGB565 into udmabufs the consumer allocated; content as vim2m.c computes', async () => {
    const fds = openFdCount();
    const rig = cameraIntoVim2m(suite, { width: W, height: H });
    const { camQ, camBufs, m2m, fmts } = rig;
    let sinkBufs: DmaBuf[] = [];
    try {
      m2m.open('output', { count: 4 });
      const cap = m2m.open('capture', { count: 2 });
      // the consumer (the next stage) allocates what vim2m writes into
      sinkBufs = captureBufs(suite, cap, rig, 2);
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
          [`V4L2 ${suite.cam.path} (capture)`, `V4L2 ${m2m.path} (output)`].sort(),
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
