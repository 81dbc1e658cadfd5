import { Framework } from '@dmabuf/core';
import { describeImporterContract } from '@dmabuf/core/contract';
import { udmabufPlugin } from '@dmabuf/exporter-udmabuf';
import { labSuite } from '@dmabuf/lab/suite';
import type { V4l2Device, V4l2Queue } from '../../importer-v4l2/src/index.js'; // the same module as its vivid helpers
import { resetVivid, vividCapture } from '../../importer-v4l2/test/lab-helpers.js';

// A V4L2 queue's plane importer through the same suite as every importer,
// with udmabuf buffers (real dma-bufs from another driver: importer-v4l2
// depends on core only). vivid's capture queue at 640x360 YUYV.
labSuite('V4L2 importer in the lab', { needs: ['vivid', 'udmabuf'] }, () => {
  for (const kind of ['capture', 'output'] as const) {
    describeImporterContract(`V4L2 vivid ${kind} queue, udmabuf buffers (lab)`, async () => {
      const framework = await Framework.create({ plugins: [udmabufPlugin()] });
      let dev: V4l2Device | undefined;
      let q: V4l2Queue;
      try {
        dev = vividCapture({ queue: kind });
        if (kind === 'capture') resetVivid(dev);
        else dev.setFormat('output', { width: 640, height: 360, pixelformat: 'YUYV' });
        q = dev.queue(kind, { memory: 'dmabuf', count: 2 });
      } catch (e) {
        dev?.close();
        await framework.close();
        throw e;
      }
      const sizeimage = q.format.planes[0]!.sizeimage;
      return {
        framework,
        importer: q.importerFor(0),
        exportOptions: { exporter: 'udmabuf', size: sizeimage },
        direction: kind === 'capture' ? 'from-device' : 'to-device',
        mapContext: () => ({ queue: q, slot: 0, plane: 0 }),
        handleKey: (h: { slot: number; plane: number }) => `${h.slot}:${h.plane}`,
        refused: { exportOptions: { exporter: 'udmabuf', size: 4096 }, mentions: [sizeimage, 4096] },
        close: () => {
          q.close();
          dev?.close();
        },
      };
    });
  }
});
