import { describe, expect, it } from 'vitest';
import {
  type AllocationRequest,
  type AttachmentInfo,
  CountingExporter,
  computeLayout,
  createMemfd,
  type ExportedBuffer,
  type ExporterPlugin,
  Framework,
  NegotiationError,
  plainDevice,
  type SgTable,
} from '../src/index.js';

/** The smallest exporter on CountingExporter: memfd pages, refusing contiguous devices. */
class PagesExporter extends CountingExporter<{ pages: number }> implements ExporterPlugin<{ pages: number }> {
  readonly name = 'pages';
  readonly expNames = [];
  readonly stats = { buffers: 0, attachments: 0, mappings: 0 };

  allocate(req: AllocationRequest) {
    const layout = computeLayout(this.name, req);
    return this.allocation(createMemfd('pages', layout.size), layout, { pages: layout.size / 4096 });
  }

  beginCpuAccess(): void {}
  endCpuAccess(): void {}

  protected override checkAttach(buffer: ExportedBuffer<{ pages: number }>, att: AttachmentInfo): void {
    if (att.constraints.contiguous && buffer.priv.pages > 1)
      throw new NegotiationError(`${att.device} needs one page, got ${buffer.priv.pages}`);
  }

  protected table(buffer: ExportedBuffer<{ pages: number }>): SgTable {
    const size = buffer.layout.size;
    return { segments: [{ offset: 0, length: size, source: 'pages' }], planes: buffer.layout.planes, size };
  }
}

describe('CountingExporter', () => {
  it('counts buffers, attachments and mappings through the lifecycle, back to zero', async () => {
    const exporter = new PagesExporter();
    await using fw = await Framework.create({ exporters: [exporter] });
    const buf = fw.export({ exporter: 'pages', size: 4 * 4096 });
    expect(exporter.stats).toEqual({ buffers: 1, attachments: 0, mappings: 0 });
    const att = buf.attach(plainDevice('dev'));
    const m = att.map();
    expect(m.table.segments).toEqual([{ offset: 0, length: 4 * 4096, source: 'pages' }]);
    expect(exporter.stats).toEqual({ buffers: 1, attachments: 1, mappings: 1 });
    m.unmap();
    att.detach();
    buf.put();
    expect(exporter.stats).toEqual({ buffers: 0, attachments: 0, mappings: 0 });
  });

  it('a refusal from checkAttach leaves nothing counted', async () => {
    const exporter = new PagesExporter();
    await using fw = await Framework.create({ exporters: [exporter] });
    using buf = fw.export({ exporter: 'pages', size: 2 * 4096 });
    expect(() => buf.attach(plainDevice('dma', { contiguous: true }))).toThrow(/dma needs one page, got 2/);
    expect(exporter.stats.attachments).toBe(0);
    expect(buf.attachments).toEqual([]);
  });
});
