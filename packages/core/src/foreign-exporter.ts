import { DmaBufError } from './errors.js';
import type { Allocation, ExporterPlugin } from './exporter.js';
import type { FdInfo } from './fd-info.js';
import type { BufferLayout } from './layout.js';

/**
 * Adopts received dma-bufs whose exporter no plugin claims (a buffer from
 * GStreamer, from a driver we have no package for). It can be attached,
 * mapped (one segment: the layout is all we know), CPU-accessed and passed on;
 * it cannot allocate.
 */
export const foreignExporter: ExporterPlugin<undefined> = {
  name: 'foreign',
  expNames: [],
  allocate(): Allocation<undefined> {
    throw new DmaBufError('the foreign exporter only adopts received buffers', {
      code: 'EOPNOTSUPP',
      hint: "Export with a real exporter plugin, e.g. framework.export({ exporter: 'udmabuf', size })",
    });
  },
  adopt(fd: number, _info: FdInfo, layout: BufferLayout): Allocation<undefined> {
    return { fd, layout, priv: undefined };
  },
  map(buffer) {
    return {
      segments: [{ offset: 0, length: buffer.layout.size }],
      planes: buffer.layout.planes,
      size: buffer.layout.size,
    };
  },
};
