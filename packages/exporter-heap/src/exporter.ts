import { totalmem } from 'node:os';
import {
  type Allocation,
  type AllocationRequest,
  type AttachmentInfo,
  assertFd,
  assertFdInfo,
  assertLayout,
  assertObject,
  type BufferLayout,
  CountingExporter,
  checkExporterWanted,
  closeFd,
  computeLayout,
  type ExportedBuffer,
  type ExporterPlugin,
  type ExporterStats,
  type FdInfo,
  NegotiationError,
  PAGE_SIZE,
  type SgTable,
  setDmaBufName,
} from '@dmabuf/core';
import { HeapError } from './errors.js';
import { HeapDevice } from './heap-device.js';
import { assertHeapName, DEFAULT_HEAP, DMA_HEAP_DIR, type HeapInfo, listHeaps } from './heaps.js';
import { heapNative } from './native.js';
import { parseExportOptions } from './options.js';

/** What this exporter keeps per buffer. */
export interface HeapPriv {
  /** The heap it came from (= its exp_name). */
  readonly heap: string;
  /** Physically contiguous (a CMA or reserved-memory heap). */
  readonly contiguous: boolean;
  /** 'allocated' by this exporter, or 'received' (a heap buffer adopted from another process's fd). */
  readonly origin: 'allocated' | 'received';
}

/** Options of the dma-heap exporter (and `heapPlugin`). */
export interface HeapExporterOptions {
  /** The heap to allocate from when an export names none (default 'system'). */
  defaultHeap?: string;
  /** Where the heaps are (default /dev/dma_heap). */
  dir?: string;
  /** Heaps whose memory is physically contiguous (default: names with cma, reserved or carveout). */
  contiguousHeaps?: readonly string[];
  /**
   * DMA_BUF_SET_NAME for every new buffer, so /sys/kernel/debug/dma_buf/bufinfo
   * shows who made it (default `node:<pid>`; false for none). An export's own
   * `name` replaces it.
   */
  bufferName?: string | false;
}

/** Live counts, for leak checks: all 0 once every buffer is released. */
export type HeapStats = ExporterStats;

const CONTIGUOUS = /cma|reserved|carveout/i;

/**
 * The dma-heap exporter: buffers from /dev/dma_heap/<heap> (DMA_HEAP_IOCTL_ALLOC
 * with O_RDWR | O_CLOEXEC).
 *
 *   framework.export({ exporter: 'dma-heap', size })                          // the system heap
 *   framework.export({ exporter: 'dma-heap', size, options: { heap: 'linux,cma' } })
 *
 * CPU access is the core's default (mmap + DMA_BUF_IOCTL_SYNC): this exporter
 * uses nothing but the public contract of @dmabuf/core.
 */
export class HeapExporter extends CountingExporter<HeapPriv> implements ExporterPlugin<HeapPriv> {
  readonly name = 'dma-heap';
  readonly expNames: readonly string[];
  /** The folder of the heaps, /dev/dma_heap unless given. */
  readonly dir: string;
  /** The heap an export without options.heap allocates from ('system' unless given). */
  readonly defaultHeap: string;
  readonly stats: HeapStats = { buffers: 0, attachments: 0, mappings: 0 };
  readonly #devices = new Map<string, HeapDevice>();
  readonly #contiguous: (heap: string) => boolean;
  readonly #bufferName: string | false;

  constructor(options: HeapExporterOptions = {}) {
    super();
    assertObject('options', options);
    this.dir = options.dir ?? DMA_HEAP_DIR;
    this.defaultHeap = options.defaultHeap ?? DEFAULT_HEAP;
    assertHeapName(this.defaultHeap, 'defaultHeap');
    const listed = options.contiguousHeaps;
    this.#contiguous = listed ? (h) => listed.includes(h) : (h) => CONTIGUOUS.test(h);
    this.#bufferName = options.bufferName ?? `node:${process.pid}`;
    if (this.#bufferName !== false && Buffer.byteLength(this.#bufferName) > 31) {
      throw new HeapError(
        `bufferName '${this.#bufferName}' is longer than 31 bytes`,
        'EINVAL',
        'Use a shorter name (DMA_BUF_SET_NAME takes at most 31)',
      );
    }
    this.expNames = [...new Set([this.defaultHeap, ...listHeaps(this.dir).map((h) => h.name)])];
  }

  /** The heaps this kernel offers now. */
  heaps(): HeapInfo[] {
    return listHeaps(this.dir);
  }

  /** A received buffer is ours if its exp_name is one of the heaps present (heaps may appear after start-up). */
  matches(info: FdInfo): boolean {
    assertFdInfo('info', info);
    return (
      info.expName !== undefined &&
      (this.expNames.includes(info.expName) || this.heaps().some((h) => h.name === info.expName))
    );
  }

  /** The device of a heap, opened at its first allocation. */
  device(heap: string): HeapDevice {
    let d = this.#devices.get(heap);
    if (!d) {
      assertHeapName(heap);
      d = new HeapDevice(heap, this.dir);
      this.#devices.set(heap, d);
    }
    return d;
  }

  allocate(req: AllocationRequest): Allocation<HeapPriv> {
    assertObject('req', req);
    const opts = parseExportOptions(req.options);
    const heap = opts.heap ?? this.defaultHeap;
    checkExporterWanted(req.constraints, heap, `the ${heap} heap`);
    const layout = computeLayout(this.name, req, PAGE_SIZE);
    const contiguous = this.#contiguous(heap) || layout.size <= PAGE_SIZE;
    if (req.constraints.contiguous && !contiguous) {
      throw new NegotiationError(
        `an attached device needs physically contiguous memory, the ${heap} heap gives scattered pages`,
        "Allocate from a contiguous heap (options: { heap: 'linux,cma' } where the kernel has one)",
      );
    }
    const ram = totalmem();
    if (layout.size > ram) {
      throw new HeapError(
        `a ${layout.size}-byte buffer is more than this machine's ${ram} bytes of memory`,
        'ENOMEM',
        'Allocate less',
        heap,
      );
    }
    const n = heapNative();
    const fd = this.device(heap).alloc(layout.size, n.flags.O_RDWR | n.flags.O_CLOEXEC, opts.heapFlags ?? 0);
    if (this.#bufferName !== false) {
      try {
        setDmaBufName(fd, this.#bufferName, { what: `dma-heap ${heap}: cannot name the new buffer` });
      } catch (e) {
        closeFd(fd);
        throw e;
      }
    }
    return this.allocation(fd, layout, { heap, contiguous, origin: 'allocated' });
  }

  adopt(fd: number, info: FdInfo, layout: BufferLayout): Allocation<HeapPriv> {
    assertFd('fd', fd);
    assertFdInfo('info', info);
    assertLayout('layout', layout);
    const heap = info.expName ?? this.defaultHeap;
    return this.allocation(fd, layout, { heap, contiguous: this.#contiguous(heap), origin: 'received' });
  }

  protected override checkAttach(buffer: ExportedBuffer<HeapPriv>, att: AttachmentInfo): void {
    if (att.constraints.contiguous && !buffer.priv.contiguous) {
      throw new NegotiationError(
        `${att.device} needs physically contiguous memory, buffer #${buffer.id} comes from the ${buffer.priv.heap} heap, which gives scattered pages`,
        "Allocate from a contiguous heap (options: { heap: 'linux,cma' } where the kernel has one)",
      );
    }
  }

  protected table(buffer: ExportedBuffer<HeapPriv>): SgTable {
    const size = buffer.layout.size;
    return {
      segments: [{ offset: 0, length: size, source: `heap:${buffer.priv.heap}` }],
      planes: buffer.layout.planes,
      size,
    };
  }

  /** Close every heap device (buffers already made stay valid). */
  close(): void {
    for (const d of this.#devices.values()) d.close();
  }
}
