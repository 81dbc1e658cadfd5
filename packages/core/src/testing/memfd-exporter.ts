import { computeLayout } from '../compute-layout.js';
import { DmaBufError } from '../errors.js';
import type {
  Allocation,
  AllocationRequest,
  AttachmentInfo,
  ExportedBuffer,
  ExporterPlugin,
} from '../exporter.js';
import { exporterPlugin } from '../exporter-plugin.js';
import type { FdInfo } from '../fd-info.js';
import type { BufferLayout } from '../layout.js';
import { createMemfd, type MemfdOptions } from '../memfd.js';
import type { DmaBufPlugin } from '../plugin.js';
import type { CpuAccessMode, MapDirection, SgTable } from '../sg-table.js';
import { assertObject } from '../validate.js';

const MEMFD_NAME = 'dmabuf-test';
const MEMFD_OPTIONS: MemfdOptions = { seals: ['shrink', 'grow'] };

/** One hook call, recorded for tests that check the order the core calls hooks in. */
export interface HookCall {
  /** The ExporterPlugin hook called: 'allocate', 'adopt', 'attach', 'detach', 'map', 'unmap', 'beginCpuAccess', 'endCpuAccess' or 'release'. */
  hook: string;
  /** The buffer's id (ExportedBuffer.id); 0 for allocate, adopt and release, which run before (or without) one. */
  buffer: number;
  /** The attachment's id (AttachmentInfo.id), for attach, detach, map and unmap; undefined for the others. */
  attachment?: number;
  /** allocate: the size in bytes; map: the direction; CPU access: the mode; undefined for the others. */
  detail?: string;
}

/** The private data MemfdExporter keeps with each buffer (ExportedBuffer.priv). */
export interface MemfdPriv {
  /** Always 0: a stand-in that shows an exporter's private data travelling with its buffer. */
  segments: number;
}

/** Options of the memfd test exporter: refusals and scatter layouts to simulate. */
export interface MemfdExporterOptions {
  /** Device names this exporter refuses to attach (simulates "device cannot reach this memory"). */
  refuse?: readonly string[];
  /** Split the buffer into segments of this many bytes in map() (a scatter buffer). */
  segmentSize?: number;
}

/**
 * The host test exporter: a sealed memfd stands in for the dma-buf (mmap,
 * fstat identity and fd passing are real; the kernel's SYNC ioctl is not, so
 * CPU access is only recorded). It implements every hook and logs the calls.
 */
export class MemfdExporter implements ExporterPlugin<MemfdPriv> {
  readonly name: string = 'memfd-test';
  readonly expNames = ['memfd-test'];
  /** Every hook call so far, oldest first (clear it with `calls.length = 0`). */
  readonly calls: HookCall[] = [];
  readonly #options: MemfdExporterOptions;

  constructor(options: MemfdExporterOptions = {}) {
    assertObject('options', options);
    this.#options = options;
  }

  matches(info: FdInfo): boolean {
    return info.expName === undefined && info.link.startsWith(`/memfd:${MEMFD_NAME}`);
  }

  allocate(req: AllocationRequest): Allocation<MemfdPriv> {
    const layout = this.#layout(req);
    const fd = createMemfd(MEMFD_NAME, layout.size, MEMFD_OPTIONS);
    this.calls.push({ hook: 'allocate', buffer: 0, detail: String(layout.size) });
    return {
      fd,
      layout,
      priv: { segments: 0 },
      release: () => this.calls.push({ hook: 'release', buffer: 0 }),
    };
  }

  adopt(fd: number, _info: FdInfo, layout: BufferLayout): Allocation<MemfdPriv> {
    this.calls.push({ hook: 'adopt', buffer: 0 });
    return { fd, layout, priv: { segments: 0 } };
  }

  attach(buffer: ExportedBuffer, att: AttachmentInfo): void {
    if (this.#options.refuse?.includes(att.device)) {
      throw new DmaBufError(`${att.device} cannot reach memfd memory`, {
        code: 'ENODEV',
        hint: 'Use another exporter',
      });
    }
    this.calls.push({ hook: 'attach', buffer: buffer.id, attachment: att.id });
  }

  /** Records the call. */
  detach(buffer: ExportedBuffer, att: AttachmentInfo): void {
    this.calls.push({ hook: 'detach', buffer: buffer.id, attachment: att.id });
  }

  map(buffer: ExportedBuffer, att: AttachmentInfo, direction: MapDirection): SgTable {
    this.calls.push({ hook: 'map', buffer: buffer.id, attachment: att.id, detail: direction });
    const size = buffer.layout.size;
    const step = this.#options.segmentSize ?? size;
    const segments = [];
    for (let off = 0; off < size; off += step) {
      segments.push({ offset: off, length: Math.min(step, size - off), source: `memfd@${off}` });
    }
    return { segments, planes: buffer.layout.planes, size };
  }

  /** Records the call. */
  unmap(buffer: ExportedBuffer, att: AttachmentInfo): void {
    this.calls.push({ hook: 'unmap', buffer: buffer.id, attachment: att.id });
  }

  beginCpuAccess(buffer: ExportedBuffer, mode: CpuAccessMode): void {
    this.calls.push({ hook: 'beginCpuAccess', buffer: buffer.id, detail: mode });
  }

  endCpuAccess(buffer: ExportedBuffer, mode: CpuAccessMode): void {
    this.calls.push({ hook: 'endCpuAccess', buffer: buffer.id, detail: mode });
  }

  #layout(req: AllocationRequest): BufferLayout {
    return computeLayout('memfd-test', req);
  }
}

/** The test exporter as a plugin module. */
export function memfdExporterPlugin(options: MemfdExporterOptions = {}): DmaBufPlugin & {
  /** The exporter the plugin registers (read its `calls`). */
  exporter: MemfdExporter;
} {
  return exporterPlugin(new MemfdExporter(options));
}
