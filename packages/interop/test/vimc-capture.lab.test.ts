import { execFileSync } from 'node:child_process';
import { type DmaBuf, Framework, openFdCount } from '@dmabuf/core';
import { udmabufPlugin } from '@dmabuf/exporter-udmabuf';
import { VIVID_BARS } from '@dmabuf/lab/guest';
import { labSuite } from '@dmabuf/lab/suite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MediaDevice, V4l2Device, V4l2Subdev } from '../../importer-v4l2/src/index.js';

labSuite('vimc media pipeline → udmabuf, zero copy', { needs: ['vimc', 'udmabuf'] }, () => {
  let fw: Framework;

  beforeAll(async () => {
    fw = await Framework.create({ plugins: [udmabufPlugin()] });
    fw.export({ exporter: 'udmabuf', size: 4096 }).put(); // opens /dev/udmabuf, kept until close: not a leak
  });
  afterAll(async () => {
    await fw?.close();
  });

  it('sets up sensor → debayer → scaler (640x480 → 320x240) by links and pad formats, and captures the colour bars into imported udmabufs', async () => {
    const fds = openFdCount();
    const bufs: DmaBuf[] = [];
    {
      using media = MediaDevice.find({ driver: 'vimc' });
      media.setLink({ entity: 'Debayer A', pad: 1 }, { entity: 'Scaler', pad: 0 }, true);
      const sub = (name: string) => V4l2Subdev.open(media.entity(name).devnode!);
      using sensor = sub('Sensor A');
      using debayer = sub('Debayer A');
      using scaler = sub('Scaler');
      sensor.setFormat(0, { width: 640, height: 480, code: 'SRGGB8_1X8' });
      debayer.setFormat(0, { width: 640, height: 480, code: 'SRGGB8_1X8' });
      debayer.setFormat(1, { width: 640, height: 480, code: 'RGB888_1X24' });
      scaler.setFormat(0, { width: 640, height: 480, code: 'RGB888_1X24' });
      scaler.setFormat(1, { width: 320, height: 240 });
      {
        // Sensor A also feeds Raw Capture 0 (an immutable link): STREAMON validates every enabled link of the
        // pipeline, so that node must agree with the sensor too, or the capture refuses with EPIPE
        using raw = V4l2Device.open(media.entity('Raw Capture 0').devnode!);
        raw.setFormat('capture', { width: 640, height: 480, pixelformat: 'RGGB' });
      }
      using cam = V4l2Device.open(media.entity('RGB/YUV Capture').devnode!);
      const fmt = cam.setFormat('capture', { width: 320, height: 240, pixelformat: 'RGB3' });
      expect(fmt).toMatchObject({ width: 320, height: 240, planes: [{ bytesperline: 960 }] });
      const q = cam.queue('capture', { count: 3 });
      try {
        for (let i = 0; i < 3; i++) {
          const b = fw.export({
            exporter: 'udmabuf',
            constraints: q.constraints(),
            size: fmt.planes[0]!.sizeimage,
          });
          bufs.push(b);
          q.queue(b);
        }
        try {
          q.start();
        } catch (e) {
          // say where the pipeline disagrees (media-ctl -p prints every pad's format)
          const graph = execFileSync('media-ctl', ['-p', '-d', media.path], { encoding: 'utf8' });
          throw new Error(`${(e as Error).message}\n${graph}`, { cause: e });
        }
        for (let n = 0; n < 3; n++) {
          const f = await q.dequeue({ timeoutMs: 30_000 });
          expect(bufs).toContain(f.buffer);
          {
            using px = f.buffer!.cpuAccess('read');
            const at = (x: number) => [...px.bytes.subarray(200 * 960 + x * 3, 200 * 960 + x * 3 + 3)];
            // 75% colour bars, 40 px each at 320 wide, read in the middle of each bar
            expect([20, 60, 100, 140, 180, 220, 260, 300].map(at)).toEqual(VIVID_BARS);
          }
          f.requeue();
        }
        q.stop();
        for (const b of bufs) expect(b.attachments).toHaveLength(0);
      } finally {
        q.close();
        for (const b of bufs) if (!b.released) b.put();
      }
    }
    expect(openFdCount()).toBe(fds);
  });
});
