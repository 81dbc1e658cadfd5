import { Framework } from '../src/index.js';
import { describeExporterContract } from '../src/testing/contract.js';
import { memfdExporterPlugin } from '../src/testing/index.js';

describeExporterContract('memfd-test (host)', async () => ({
  framework: await Framework.create({ plugins: [memfdExporterPlugin()] }),
  exportOptions: { exporter: 'memfd-test', size: 64 * 1024 },
  lateAllocation: true,
}));

describeExporterContract('memfd-test image (host)', async () => ({
  framework: await Framework.create({ plugins: [memfdExporterPlugin({ segmentSize: 4096 })] }),
  exportOptions: { width: 64, height: 48, format: 'XR24' },
  lateAllocation: true,
}));
