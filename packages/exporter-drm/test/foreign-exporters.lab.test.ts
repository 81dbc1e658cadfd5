import { DmaBufError, Framework } from '@dmabuf/core';
import { heapPlugin } from '@dmabuf/exporter-heap';
import { udmabufPlugin } from '@dmabuf/exporter-udmabuf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DrmImporter, findDrmDevice, ImportRefusedError } from '../src/index.js';
import { IN_LAB, NOT_IN_LAB } from './lab.js';

// The PRIME cases of the udmabuf and dma-heap selftests, seen from the DRM side:
// the importing device lives here so the exporter packages need no DRM code.
const PAGE = 4096;
const MiB = 1024 * 1024;

describe.skipIf(!IN_LAB)(`DRM imports of udmabuf and dma-heap buffers (skipped when ${NOT_IN_LAB})`, () => {
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
});
