import { closeFd, createMemfd, Framework } from '@dmabuf/core';
import { describeExporterContract } from '@dmabuf/core/contract';
import { labSuite } from '@dmabuf/lab/suite';
import { udmabufPlugin } from '../src/index.js';

const PAGE = 4096;

labSuite('udmabuf exporter contract (lab)', { needs: ['udmabuf'] }, () => {
  describeExporterContract('udmabuf, own memfd (lab)', async () => ({
    framework: await Framework.create({ plugins: [udmabufPlugin()] }),
    exportOptions: { exporter: 'udmabuf', size: 64 * 1024 },
    lateAllocation: true,
  }));

  describeExporterContract('udmabuf, XR24 image (lab)', async () => ({
    framework: await Framework.create({ plugins: [udmabufPlugin()] }),
    exportOptions: { exporter: 'udmabuf', width: 320, height: 240, format: 'XR24' },
    lateAllocation: true,
  }));

  describeExporterContract('udmabuf, scatter list of caller memfd ranges (lab)', async () => {
    const memfd = createMemfd('udmabuf-contract', 64 * PAGE, { seals: ['shrink'] });
    const ranges = [0, 1, 2, 3].map((i) => ({ memfd, offset: i * 16 * PAGE, size: 4 * PAGE }));
    return {
      framework: await Framework.create({ plugins: [udmabufPlugin()] }),
      exportOptions: { exporter: 'udmabuf', size: 16 * PAGE, options: { ranges } },
      close: () => closeFd(memfd),
    };
  });
});
