import {
  type Allocation,
  type AllocationRequest,
  type AttachmentInfo,
  assertFd,
  assertFdInfo,
  assertLayout,
  assertObject,
  assertOneOf,
  assertString,
  type BufferLayout,
  CountingExporter,
  CPU_ACCESS_MODES,
  type CpuAccessMode,
  checkExporterWanted,
  checkLayout,
  computeLayout,
  ERRNO,
  type ExportedBuffer,
  type ExporterPlugin,
  type ExporterStats,
  type FdInfo,
  NegotiationError,
  PAGE_SIZE,
  type SgSegment,
  type SgTable,
  SystemError,
  syncDmaBuf,
} from '@dmabuf/core';
import { UDMABUF_DEVICE, UdmabufDevice } from './device.js';
import { UdmabufError } from './errors.js';
import { availableHugePages, HUGE_PAGE_SIZE, readHugePages } from './hugepages.js';
import { LimitsCache, UDMABUF_PARAMS_DIR } from './limits.js';
import { type CheckedRange, checkRange, type MemfdRange } from './memfd-check.js';
import { parseExportOptions, type UdmabufExportOptions } from './options.js';

/** The exp_name the kernel reports in fdinfo for udmabuf buffers. */
export const UDMABUF_EXP_NAME = 'udmabuf';

/** What this exporter keeps per buffer. */
export interface UdmabufPriv {
  /** Where the buffer's bytes come from, in buffer order (what map() returns). */
  readonly segments: readonly SgSegment[];
  /** Backed by huge pages (own memfd with hugetlb: true). */
  readonly hugetlb: boolean;
  /** Physically contiguous: one page, or inside one huge page. */
  readonly contiguous: boolean;
  /** Made from a memfd of its own, from caller ranges, or received from elsewhere. */
  readonly origin: 'memfd' | 'ranges' | 'received';
}

/** Options of the udmabuf exporter (and `udmabufPlugin`). */
export interface UdmabufExporterOptions {
  /** The device node (default /dev/udmabuf). */
  device?: string;
  /** Where udmabuf's module parameters are (default /sys/module/udmabuf/parameters). */
  paramsDir?: string;
  /** Name of the memfds this exporter makes (shows in /proc/<pid>/fd). Default 'dmabuf-udmabuf'. */
  memfdName?: string;
}

/** Live counts, for leak checks: all 0 once every buffer is released. */
export interface UdmabufStats extends ExporterStats {
  /** CPU access scopes open now. */
  cpuAccess: number;
}

const MiB = 1024 * 1024;
const { EINVAL } = ERRNO;

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/**
 * The udmabuf exporter: dma-bufs over memfd pages through /dev/udmabuf.
 *
 *   framework.export({ exporter: 'udmabuf', size })                 // a sealed memfd of its own
 *   framework.export({ exporter: 'udmabuf', size, options: { hugetlb: true } })
 *   framework.export({ exporter: 'udmabuf', options: { ranges: [{ memfd, offset, size }, ...] } })
 *
 * Every request is checked in TypeScript the way the kernel will check it,
 * and a refusal says which seal or which module parameter is in the way.
 */
export class UdmabufExporter
  extends CountingExporter<UdmabufPriv, UdmabufStats>
  implements ExporterPlugin<UdmabufPriv>
{
  readonly name = 'udmabuf';
  readonly expNames = [UDMABUF_EXP_NAME];
  /** /dev/udmabuf, opened at the first export and kept until the plugin shuts down. */
  readonly device: UdmabufDevice;
  /** The udmabuf module's limits (size_limit_mb, list_limit), read once from sysfs: exports are checked against them first. */
  readonly limits: LimitsCache;
  readonly stats: UdmabufStats = { buffers: 0, attachments: 0, mappings: 0, cpuAccess: 0 };
  readonly #memfdName: string;
  /** The segment source of a buffer over a memfd of its own (the same for each). */
  readonly #ownSource: string;

  constructor(options: UdmabufExporterOptions = {}) {
    super();
    assertObject('options', options);
    if (options.device !== undefined) assertString('device', options.device, 4095);
    if (options.paramsDir !== undefined) assertString('options.paramsDir', options.paramsDir, 4095);
    if (options.memfdName !== undefined) assertString('options.memfdName', options.memfdName, 200);
    this.device = new UdmabufDevice(options.device ?? UDMABUF_DEVICE);
    this.limits = new LimitsCache(options.paramsDir ?? UDMABUF_PARAMS_DIR);
    this.#memfdName = options.memfdName ?? 'dmabuf-udmabuf';
    this.#ownSource = `memfd:${this.#memfdName}@0x0`;
  }

  allocate(req: AllocationRequest): Allocation<UdmabufPriv> {
    assertObject('req', req);
    const opts = parseExportOptions(req.options);
    checkExporterWanted(req.constraints, UDMABUF_EXP_NAME, 'udmabuf');
    return opts.ranges ? this.#fromRanges(req, opts.ranges, opts.list ?? false) : this.#ownMemfd(req, opts);
  }

  adopt(fd: number, info: FdInfo, layout: BufferLayout): Allocation<UdmabufPriv> {
    assertFd('fd', fd);
    assertFdInfo('info', info);
    assertLayout('layout', layout);
    const source = `udmabuf (received${info.name ? ` '${info.name}'` : ''})`;
    const priv: UdmabufPriv = {
      segments: [{ offset: 0, length: layout.size, source }],
      hugetlb: false,
      contiguous: layout.size <= PAGE_SIZE,
      origin: 'received',
    };
    return this.allocation(fd, layout, priv);
  }

  protected override checkAttach(buffer: ExportedBuffer<UdmabufPriv>, att: AttachmentInfo): void {
    if (att.constraints.contiguous && !buffer.priv.contiguous) {
      throw new NegotiationError(
        `${att.device} needs physically contiguous memory, udmabuf buffer #${buffer.id} is ${buffer.layout.size} bytes of memfd pages (${buffer.priv.segments.length} range(s))`,
        'Allocate from a contiguous dma-heap (e.g. linux,cma) instead, or keep the buffer within one page (or one huge page with hugetlb: true)',
      );
    }
  }

  protected table(buffer: ExportedBuffer<UdmabufPriv>): SgTable {
    return { segments: buffer.priv.segments, planes: buffer.layout.planes, size: buffer.layout.size };
  }

  beginCpuAccess(buffer: ExportedBuffer<UdmabufPriv>, mode: CpuAccessMode): void {
    this.#checkCpuAccess(buffer, mode);
    this.#sync(buffer, mode, 'START');
    this.stats.cpuAccess++;
  }

  endCpuAccess(buffer: ExportedBuffer<UdmabufPriv>, mode: CpuAccessMode): void {
    this.#checkCpuAccess(buffer, mode);
    this.stats.cpuAccess--;
    this.#sync(buffer, mode, 'END');
  }

  /** Close /dev/udmabuf (buffers already made stay valid). */
  close(): void {
    this.device.close();
  }

  #checkCpuAccess(buffer: unknown, mode: unknown): void {
    this.checkOwned(buffer);
    assertOneOf('mode', mode, CPU_ACCESS_MODES);
  }

  #sync(buffer: ExportedBuffer<UdmabufPriv>, mode: CpuAccessMode, phase: 'START' | 'END'): void {
    syncDmaBuf(buffer.fd, mode, phase === 'START' ? 'start' : 'end', {
      what: `udmabuf buffer #${buffer.id}: CPU access ${phase} (${mode}) failed`,
      hint: (errno) =>
        errno === EINVAL && phase === 'END'
          ? 'udmabuf ends CPU access only after a START on the same buffer: use buf.cpuAccess(mode) scopes'
          : undefined,
    });
  }

  #ownMemfd(req: AllocationRequest, opts: UdmabufExportOptions): Allocation<UdmabufPriv> {
    const hugetlb = opts.hugetlb ?? false;
    const layout = computeLayout(this.name, req, PAGE_SIZE);
    const contiguous = layout.size <= (hugetlb ? HUGE_PAGE_SIZE : PAGE_SIZE);
    if (req.constraints.contiguous && !contiguous) {
      throw new NegotiationError(
        `an attached device needs physically contiguous memory, a ${layout.size}-byte udmabuf ${hugetlb ? 'spans several huge pages' : 'is made of separate 4 KiB pages'}`,
        hugetlb || layout.size > HUGE_PAGE_SIZE
          ? 'Allocate from a contiguous dma-heap (e.g. linux,cma) instead'
          : 'Pass options: { hugetlb: true } (one 2 MiB huge page is contiguous), or allocate from a contiguous dma-heap',
      );
    }
    this.#checkSize(layout.size);
    const memfdSize = hugetlb ? roundUp(layout.size, HUGE_PAGE_SIZE) : layout.size;
    if (hugetlb) this.#checkHugePages(memfdSize);
    let fd: number;
    try {
      fd = this.device.createOwn(this.#memfdName, memfdSize, layout.size, hugetlb);
    } catch (e) {
      this.#createFailed(e, layout.size, 1, false);
    }
    return this.allocation(fd, layout, {
      segments: [{ offset: 0, length: layout.size, source: this.#ownSource }],
      hugetlb,
      contiguous,
      origin: 'memfd',
    });
  }

  #fromRanges(
    req: AllocationRequest,
    ranges: readonly MemfdRange[],
    forceList: boolean,
  ): Allocation<UdmabufPriv> {
    const useList = ranges.length > 1 || forceList;
    if (useList) {
      let limit = this.limits.current().listLimit;
      if (ranges.length > limit) limit = this.limits.fresh().listLimit;
      if (ranges.length > limit) this.#refuseCount(ranges.length, limit);
    }
    const checked: CheckedRange[] = ranges.map((r, i) => checkRange(r, i));
    const total = checked.reduce((s, r) => s + r.size, 0);
    this.#checkSize(total);
    if (req.size !== undefined && req.width === undefined && req.size !== total) {
      throw new UdmabufError(
        `size ${req.size} does not match the ${total} bytes of the ${checked.length} range(s)`,
        'EINVAL',
        'Omit size when passing ranges: the buffer is exactly the ranges',
      );
    }
    let layout: BufferLayout = { size: total, planes: [{ offset: 0, pitch: 0, size: total }] };
    if (req.width !== undefined || req.height !== undefined) {
      const image = computeLayout(this.name, { ...req, size: undefined }, 1);
      if (image.size > total) {
        throw new UdmabufError(
          `a ${req.width}x${req.height} ${image.format} image needs ${image.size} bytes, the ranges hold ${total}`,
          'EINVAL',
          'Pass larger ranges, or a smaller image',
        );
      }
      layout = { ...image, size: total };
    }
    checkLayout(
      layout,
      { label: 'the export request (with the attached devices)', constraints: req.constraints },
      `a udmabuf of ${checked.length} range(s)`,
    );
    const contiguous = checked.length === 1 && total <= PAGE_SIZE;
    if (req.constraints.contiguous && !contiguous) {
      throw new NegotiationError(
        `an attached device needs physically contiguous memory, ${checked.length} memfd range(s) of ${total} bytes are not`,
        'Allocate from a contiguous dma-heap (e.g. linux,cma) instead',
      );
    }
    let fd: number;
    try {
      fd = this.device.create(checked, forceList);
    } catch (e) {
      this.#createFailed(e, total, checked.length, useList);
    }
    const segments: SgSegment[] = [];
    let offset = 0;
    for (const r of checked) {
      segments.push({ offset, length: r.size, source: r.source });
      offset += r.size;
    }
    return this.allocation(fd, layout, { segments, hugetlb: false, contiguous, origin: 'ranges' });
  }

  /** The create ioctl failed: an EINVAL that a limit lowered since the last read explains is reported as that limit. */
  #createFailed(e: unknown, total: number, count: number, list: boolean): never {
    if (!(e instanceof SystemError) || e.errno !== EINVAL || !e.syscall?.startsWith('ioctl(')) throw e;
    const before = this.limits.current();
    const now = this.limits.fresh();
    if (now.sizeLimitMb === before.sizeLimitMb && now.listLimit === before.listLimit) throw e;
    if (list && count > now.listLimit) this.#refuseCount(count, now.listLimit, e);
    this.#checkSize(total, e);
    throw e;
  }

  #refuseCount(count: number, limit: number, cause?: SystemError): never {
    throw new UdmabufError(
      `udmabuf takes at most ${limit} ranges in one UDMABUF_CREATE_LIST (module parameter list_limit), got ${count}`,
      'EINVAL',
      `Merge adjacent ranges, or raise the limit: echo ${count} > ${this.limits.dir}/list_limit (as root; or boot with udmabuf.list_limit=${count})`,
      { limit: 'list_limit' },
      cause?.syscall,
      cause,
    );
  }

  #checkSize(size: number, cause?: SystemError): void {
    let mb = this.limits.current().sizeLimitMb;
    if (size > mb * MiB && !cause) mb = this.limits.fresh().sizeLimitMb;
    if (size > mb * MiB) {
      const need = Math.ceil(size / MiB);
      throw new UdmabufError(
        `a ${size}-byte udmabuf is over the kernel's limit of ${mb} MiB (module parameter size_limit_mb)`,
        'EINVAL',
        `Export at most ${mb * MiB} bytes, or raise the limit: echo ${need} > ${this.limits.dir}/size_limit_mb (as root; or boot with udmabuf.size_limit_mb=${need})`,
        { limit: 'size_limit_mb' },
        cause?.syscall,
        cause,
      );
    }
  }

  #checkHugePages(bytes: number): void {
    const info = readHugePages();
    const need = Math.ceil(bytes / info.size);
    const have = availableHugePages(info);
    if (have < need) {
      throw new UdmabufError(
        `a hugetlb udmabuf of ${bytes} bytes needs ${need} free ${info.size / MiB} MiB huge page(s), ${have} are free (HugePages_Total ${info.total})`,
        'ENOMEM',
        `Reserve more: echo ${info.total + need - have} > /proc/sys/vm/nr_hugepages (as root), or export without hugetlb`,
      );
    }
  }
}
