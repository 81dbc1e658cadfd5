import { Framework, plainDevice } from '../src/index.js';
import { describeImporterContract } from '../src/testing/contract.js';
import { memfdExporterPlugin } from '../src/testing/index.js';

describeImporterContract('plainDevice (host)', async () => ({
  framework: await Framework.create({ plugins: [memfdExporterPlugin()] }),
  exportOptions: { exporter: 'memfd-test', size: 64 * 1024 },
  importer: plainDevice('contract plain device', { minSize: 16 * 1024 }),
  refused: { exportOptions: { exporter: 'memfd-test', size: 8 * 1024 }, mentions: [16 * 1024, 8 * 1024] },
  receiver: () => Framework.create({ plugins: [memfdExporterPlugin()] }),
}));

describeImporterContract('plainDevice with an image format (host)', async () => ({
  framework: await Framework.create({ plugins: [memfdExporterPlugin({ segmentSize: 4096 })] }),
  exportOptions: { width: 64, height: 48, format: 'XR24' },
  importer: plainDevice('contract image device', { formats: [{ format: 'XR24', modifiers: [0n] }] }),
  direction: 'from-device',
  refused: { exportOptions: { width: 64, height: 48, format: 'NV12' }, mentions: ['XR24', 'NV12'] },
  receiver: () => Framework.create({ plugins: [memfdExporterPlugin()] }),
}));
