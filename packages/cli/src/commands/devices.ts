import { EXIT, type Io } from '../cli/io.js';
import { type CommandSpec, HELP_OPTION, type OptionValues } from '../cli/spec.js';
import { collectDevices } from '../devices/collect.js';
import { renderDevices } from '../render/devices-text.js';

async function run(values: OptionValues, io: Io): Promise<number> {
  const report = await collectDevices();
  io.out(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderDevices(report));
  return EXIT.ok;
}

export const devicesCommand: CommandSpec = {
  name: 'devices',
  summary: 'list V4L2 and DRM devices, dma-heaps and udmabuf, with what each can do with dma-bufs',
  details: [
    'V4L2: capabilities, per queue its formats, frame sizes and rates, and whether it imports dma-bufs',
    '(V4L2_MEMORY_DMABUF) and has MMAP buffers to export (EXPBUF). A queue another process streams',
    'on says EBUSY for the last two. DRM: driver, node type, PRIME import/export, KMS connectors with',
    'modes (* preferred), planes with formats and modifiers. Nodes that cannot be opened are listed',
    'at the end with the reason.',
  ],
  options: [{ name: 'json', type: 'boolean', description: 'print JSON instead of text' }, HELP_OPTION],
  run,
};
