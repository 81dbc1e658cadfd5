import {
  type Allocation,
  type AllocationRequest,
  assertFd,
  assertFdInfo,
  assertLayout,
  assertObject,
  type BufferLayout,
  CountingExporter,
  closeFd,
  DmaBufError,
  type DmaBufPlugin,
  type ExportedBuffer,
  type ExporterPlugin,
  type ExporterStats,
  exporterPlugin,
  type FdInfo,
  fdSize,
  type SgTable,
} from '@dmabuf/core';
import { V4l2Queue } from './queue.js';

/**
 * exp_name of dma-bufs exported by videobuf2 (VIDIOC_EXPBUF): the name of
 * the vb2 memory allocator module that backs the queue. vivid uses vmalloc.
 */
export const V4L2_EXP_NAMES = ['videobuf2_vmalloc', 'videobuf2_dma_contig', 'videobuf2_dma_sg'] as const;

/** What the v4l2 exporter remembers of a buffer. */
export interface V4l2ExportPriv {
  /** The device path and queue, for buffers exported here; undefined for received ones. */
  source?: string;
  /** The buffer index in that queue (EXPBUF index); undefined for received buffers. */
  index?: number;
  /** The memory plane of that buffer (EXPBUF plane); undefined for received buffers. */
  plane?: number;
}

/**
 * V4L2 as an exporter: MMAP buffers of a queue, exported with VIDIOC_EXPBUF.
 * `framework.export({ exporter: 'v4l2', options: { queue, index, plane } })`
 * (or `queue.exportBuffers(framework)`) gives a DmaBuf with the layout of the
 * queue's format; a received fd with a vb2 exp_name is recognised as one.
 */
export class V4l2Exporter extends CountingExporter<V4l2ExportPriv> implements ExporterPlugin<V4l2ExportPriv> {
  readonly name = 'v4l2';
  readonly expNames: readonly string[] = V4L2_EXP_NAMES;
  /** Live counts, for leak checks: all 0 once every buffer is released. */
  readonly stats: ExporterStats = { buffers: 0, attachments: 0, mappings: 0 };

  allocate(request: AllocationRequest): Allocation<V4l2ExportPriv> {
    assertObject('request', request);
    assertObject('request.options', request.options);
    const {
      queue,
      index,
      plane = 0,
    } = request.options as { queue?: unknown; index?: unknown; plane?: unknown };
    if (!(queue instanceof V4l2Queue)) {
      throw new DmaBufError('the v4l2 exporter exports buffers of an MMAP queue', {
        code: 'EINVAL',
        hint: "Open a queue with memory: 'mmap' and call queue.exportBuffers(framework), or pass options: { queue, index, plane }",
      });
    }
    if (typeof index !== 'number' || typeof plane !== 'number') {
      throw new DmaBufError(
        'the v4l2 exporter needs options.index (and options.plane) of the buffer to export',
        { code: 'EINVAL', hint: 'Pass options: { queue, index, plane }' },
      );
    }
    const fd = queue.exportFd(index, plane);
    let size: number;
    try {
      size = fdSize(fd);
    } catch (e) {
      closeFd(fd);
      throw e;
    }
    let layout: BufferLayout;
    try {
      layout = queue.layoutOf(plane, size);
    } catch (e) {
      closeFd(fd);
      throw e;
    }
    return this.allocation(fd, layout, { source: queue.name, index, plane });
  }

  adopt(fd: number, info: FdInfo, layout: BufferLayout): Allocation<V4l2ExportPriv> {
    assertFd('fd', fd);
    assertFdInfo('info', info);
    assertLayout('layout', layout);
    return this.allocation(fd, layout, {});
  }

  protected table(buffer: ExportedBuffer<V4l2ExportPriv>): SgTable {
    const p = buffer.priv;
    const source = p.source
      ? `${p.source} index ${p.index} plane ${p.plane}`
      : `${buffer.expName} (received)`;
    return {
      segments: [{ offset: 0, length: buffer.layout.size, source }],
      planes: buffer.layout.planes,
      size: buffer.layout.size,
    };
  }
}

/** The v4l2 exporter as a plugin module for Framework.create({ plugins }). */
export function v4l2ExporterPlugin(): DmaBufPlugin & {
  /** The exporter the plugin registers (EXPBUF of MMAP buffers; matches received V4L2 dma-bufs). */
  exporter: V4l2Exporter;
} {
  return exporterPlugin(new V4l2Exporter());
}
