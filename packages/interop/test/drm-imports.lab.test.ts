import { DmaBufError, Framework } from '@dmabuf/core';
import { refusalOf } from '@dmabuf/core/testing';
import {
  DrmDevice,
  DrmImporter,
  drmExporterPlugin,
  findDrmDevice,
  ImportRefusedError,
  importBuffer,
} from '@dmabuf/exporter-drm';
import { heapPlugin } from '@dmabuf/exporter-heap';
import { udmabufPlugin } from '@dmabuf/exporter-udmabuf';
import { labSuite } from '@dmabuf/lab/suite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { VGEM, VIRTIO } from '../../exporter-drm/test/lab.js';

// The PRIME cases of the udmabuf and dma-heap selftests, seen from the DRM side,
// and which foreign dma-bufs each lab DRM driver imports: the exporter packages
// need no DRM code, and exporter-drm needs no other exporter.
const PAGE = 4096;
const MiB = 1024 * 1024;

labSuite(
  'DRM imports of udmabuf and dma-heap buffers',
  { needs: ['vgem', 'virtio-gpu', 'udmabuf', 'dma-heap'] },
  () => {
    let fw: Framework;
    beforeAll(async () => {
      fw = await Framework.create({ plugins: [udmabufPlugin(), heapPlugin()] });
    });
    afterAll(async () => {
      await fw.close();
    });

    it('vgem imports a udmabuf (PRIME); virtio-gpu refuses it with ENODEV, as a typed error', () => {
      const vgem = findDrmDevice({ driver: 'vgem' });
      const gpu = findDrmDevice({ driver: 'virtio_gpu' });
      try {
        using buf = fw.export({ exporter: 'udmabuf', size: 16 * PAGE });
        using att = buf.attach(new DrmImporter(vgem));
        using m = att.map();
        expect(m.handle.handle).toBeGreaterThan(0);
        let refused: unknown;
        try {
          buf.attach(new DrmImporter(gpu)).map();
        } catch (e) {
          refused = e;
        }
        expect(refused).toBeInstanceOf(DmaBufError);
        const cause = (refused as DmaBufError).cause ?? refused;
        expect(cause).toBeInstanceOf(ImportRefusedError);
        expect(cause).toMatchObject({ code: 'ENODEV', exporter: 'udmabuf', driver: 'virtio_gpu' });
        for (const a of buf.attachments) if (a !== att) a.detach();
      } finally {
        vgem.close();
        gpu.close();
      }
    });

    it('heap buffer: write, import into vgem (PRIME), import again gives the same handle, write again under SYNC', () => {
      const vgem = findDrmDevice({ driver: 'vgem' });
      try {
        const importer = new DrmImporter(vgem);
        using buf = fw.export({ exporter: 'dma-heap', size: MiB });
        {
          using w = buf.cpuAccess('write');
          w.bytes.fill(1, 0, MiB / 2);
          w.bytes.fill(0, MiB / 2);
        }
        using att = buf.attach(importer);
        using m = att.map();
        expect(m.handle.handle).toBeGreaterThan(0);
        {
          using again = buf.attach(importer);
          using m2 = again.map();
          expect(m2.handle.handle).toBe(m.handle.handle);
        }
        using w = buf.cpuAccess('write');
        w.bytes.fill(0xff);
      } finally {
        vgem.close();
      }
    });

    it('udmabuf → vgem and virtio-gpu → vgem import; virtio-gpu refuses udmabuf and vgem buffers with a typed ENODEV', async () => {
      using vgem = DrmDevice.open(VGEM);
      using virtio = DrmDevice.open(VIRTIO);
      await using fw = await Framework.create({
        plugins: [
          udmabufPlugin(),
          drmExporterPlugin({ device: vgem, name: 'vgem' }),
          drmExporterPlugin({ device: virtio, name: 'virtio' }),
        ],
      });
      using u = fw.export({ exporter: 'udmabuf', size: 64 * 1024 });
      using g = fw.export({ exporter: 'vgem', width: 64, height: 64 });
      using v = fw.export({ exporter: 'virtio', width: 64, height: 64 });
      for (const buf of [u, v]) {
        using imp = importBuffer(vgem, buf);
        expect(imp.handle).toBeGreaterThan(0);
      }
      for (const [buf, exp] of [
        [u, 'udmabuf'],
        [g, 'drm'],
      ] as const) {
        const e = refusalOf(() => importBuffer(virtio, buf), ImportRefusedError);
        expect(e).toMatchObject({ code: 'ENODEV', errno: 19, driver: 'virtio_gpu', exporter: exp });
        expect(e.message).toMatch(new RegExp(`card1 \\(virtio_gpu\\).*exported by ${exp}.*ENODEV`));
        expect(buf.attachments.length).toBe(0);
      }
      expect(virtio.handles.size).toBe(1); // only the handle of its own export v
    });
  },
);
