import { describe, expect, it } from 'vitest';
import {
  type Allocation,
  type AllocationRequest,
  type AttachmentInfo,
  CountingExporter,
  computeLayout,
  createMemfd,
  type ExportedBuffer,
  type ExporterPlugin,
  Framework,
  InvalidArgumentError,
  LifecycleError,
  NegotiationError,
  plainDevice,
  type SgTable,
} from '../src/index.js';

/** The smallest exporter on CountingExporter: memfd pages, refusing contiguous devices. */
class PagesExporter extends CountingExporter<{ pages: number }> implements ExporterPlugin<{ pages: number }> {
  readonly name = 'pages';
  readonly expNames = [];
  readonly stats = { buffers: 0, attachments: 0, mappings: 0 };
  /** What the hooks were last given (for calling them again directly). */
  seen: {
    allocation?: Allocation<{ pages: number }>;
    buffer?: ExportedBuffer<{ pages: number }>;
    att?: AttachmentInfo;
  } = {};

  allocate(req: AllocationRequest) {
    const layout = computeLayout(this.name, req);
    this.seen.allocation = this.allocation(createMemfd('pages', layout.size), layout, {
      pages: layout.size / 4096,
    });
    return this.seen.allocation;
  }

  beginCpuAccess(): void {}
  endCpuAccess(): void {}

  protected override checkAttach(buffer: ExportedBuffer<{ pages: number }>, att: AttachmentInfo): void {
    this.seen.buffer = buffer;
    this.seen.att = att;
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

describe('CountingExporter hooks called directly: the counts never go below zero', () => {
  const ZERO = { buffers: 0, attachments: 0, mappings: 0 };

  it('detach() and unmap() without arguments are refused (InvalidArgumentError naming buffer), nothing counted', async () => {
    const exporter = new PagesExporter();
    await using fw = await Framework.create({ exporters: [exporter] });
    using buf = fw.export({ exporter: 'pages', size: 4096 });
    const hooks = exporter as unknown as { detach(): void; unmap(): void };
    for (const call of [() => hooks.detach(), () => hooks.unmap()]) {
      const e = catchError(call);
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect(e).toMatchObject({ code: 'EINVAL' });
      expect((e as Error).message).toMatch(/for buffer .*use framework\.export\(\) and the DmaBuf methods/);
    }
    expect(exporter.stats).toEqual({ buffers: 1, attachments: 0, mappings: 0 });
    expect(buf.size).toBe(4096);
  });

  it("a second detach or unmap of the framework's own buffer and attachment is a LifecycleError saying what to do", async () => {
    const exporter = new PagesExporter();
    await using fw = await Framework.create({ exporters: [exporter] });
    const buf = fw.export({ exporter: 'pages', size: 4096 });
    const att = buf.attach(plainDevice('dev'));
    const m = att.map();
    const { buffer, att: info } = exporter.seen;
    if (!buffer || !info) throw new Error('the hooks saw no buffer');
    // detach while mapped: refused (the framework never does it)
    expect(() => exporter.detach(buffer, info)).toThrow(/while it has 1 mapping\(s\).*Unmap every mapping/);
    m.unmap();
    expect(() => exporter.unmap(buffer, info)).toThrow(LifecycleError);
    expect(() => exporter.unmap(buffer, info)).toThrow(
      /has no mapping.*Unmap through mapping\.unmap\(\), once per map/,
    );
    att.detach();
    const e = catchError(() => exporter.detach(buffer, info));
    expect(e).toBeInstanceOf(LifecycleError);
    expect(e).toMatchObject({ code: 'EINVAL' });
    expect((e as Error).message).toMatch(
      /not attached to buffer #\d+.*Detach through attachment\.detach\(\)/,
    );
    // an attachment the exporter never saw: map and detach refused too
    const stranger = { ...info, id: info.id + 1000 };
    expect(() => exporter.map(buffer, stranger)).toThrow(/not attached/);
    expect(() => exporter.detach(buffer, stranger)).toThrow(/not attached/);
    expect(exporter.stats).toEqual({ buffers: 1, attachments: 0, mappings: 0 });
    buf.put();
    expect(exporter.stats).toEqual(ZERO);
    // after release the buffer is no longer this exporter's, and its release runs once
    expect(() => exporter.detach(buffer, info)).toThrow(InvalidArgumentError);
    expect(() => exporter.seen.allocation?.release?.()).toThrow(/released twice/);
    expect(exporter.stats).toEqual(ZERO);
  });

  it('an attachment attached twice is refused; junk attachment infos are InvalidArgumentErrors naming att', async () => {
    const exporter = new PagesExporter();
    await using fw = await Framework.create({ exporters: [exporter] });
    using buf = fw.export({ exporter: 'pages', size: 4096 });
    const att = buf.attach(plainDevice('dev'));
    const { buffer, att: info } = exporter.seen;
    if (!buffer || !info) throw new Error('the hooks saw no buffer');
    expect(() => exporter.attach(buffer, info)).toThrow(/already attached/);
    for (const junk of [undefined, null, {}, { id: 'x', device: 'd', constraints: {} }, { id: 1, device: 2 }])
      expect(() => exporter.detach(buffer, junk as never)).toThrow(/for att(\.id|\.device)? /);
    expect(exporter.stats).toEqual({ buffers: 1, attachments: 1, mappings: 0 });
    att.detach();
    expect(exporter.stats).toEqual({ buffers: 1, attachments: 0, mappings: 0 });
  });
});

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
}
