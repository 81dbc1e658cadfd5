import { Framework } from '@dmabuf/core';
import { describeExporterContract } from '@dmabuf/core/contract';
import { labSuite } from '@dmabuf/lab/suite';
import { heapPlugin } from '../src/index.js';

labSuite('dma-heap exporter contract (lab)', { needs: ['dma-heap'] }, () => {
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
