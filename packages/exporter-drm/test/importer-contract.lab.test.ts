import { Framework } from '@dmabuf/core';
import { describeImporterContract } from '@dmabuf/core/contract';
import { labSuite } from '@dmabuf/lab/suite';
import { DrmDevice, drmExporterPlugin, drmImporter } from '../src/index.js';
import { VGEM, VIRTIO } from './lab.js';

// DRM devices as importers (PRIME FD_TO_HANDLE), through the same suite as
// every importer. Buffers are dumb buffers of each lab device; virtio-gpu
// cannot import memory it did not allocate, so a vgem buffer is its refusal.
labSuite('DRM importer in the lab', { needs: ['vgem', 'virtio-gpu'] }, () => {
  async function setupFor(path: string, own: string) {
    const vgem = DrmDevice.open(VGEM);
    const virtio = DrmDevice.open(VIRTIO);
    const importer = drmImporter(path === VGEM ? vgem : virtio);
    const framework = await Framework.create({
      plugins: [
        drmExporterPlugin({ device: vgem, name: 'vgem' }),
        drmExporterPlugin({ device: virtio, name: 'virtio' }),
      ],
    });
    return {
      framework,
      importer,
      exportOptions: { exporter: own, width: 64, height: 48, format: 'XR24' },
      handleKey: (h: { handle: number }) => h.handle,
      close: () => {
        vgem.close();
        virtio.close();
      },
    };
  }

  describeImporterContract('DRM vgem importing its dumb buffers (lab)', async () => ({
    ...(await setupFor(VGEM, 'vgem')),
    noRefusal: 'vgem imports any dma-buf it can attach, so no buffer of the lab is refused',
  }));

  describeImporterContract('DRM virtio-gpu importing its dumb buffers (lab)', async () => ({
    ...(await setupFor(VIRTIO, 'virtio')),
    refused: {
      exportOptions: { exporter: 'vgem', width: 64, height: 48, format: 'XR24' },
      mentions: ['virtio_gpu', 'ENODEV'],
      by: 'device',
    },
  }));
});
