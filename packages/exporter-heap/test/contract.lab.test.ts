import { Framework } from '@dmabuf/core';
import { describeExporterContract } from '@dmabuf/core/contract';
import { heapPlugin } from '../src/index.js';
import { labSuite } from './lab.js';

labSuite('dma-heap exporter contract (lab)', () => {
  describeExporterContract('dma-heap system (lab)', async () => ({
    framework: await Framework.create({ plugins: [heapPlugin()] }),
    exportOptions: { exporter: 'dma-heap', size: 256 * 1024 },
    lateAllocation: true,
  }));

  describeExporterContract('dma-heap system, NV12 image (lab)', async () => ({
    framework: await Framework.create({ plugins: [heapPlugin()] }),
    exportOptions: { exporter: 'dma-heap', width: 320, height: 240, format: 'NV12', name: 'contract-nv12' },
    lateAllocation: true,
  }));
});
