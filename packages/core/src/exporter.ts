import type { Constraints } from './constraints.js';
import type { FdInfo } from './fd-info.js';
import type { BufferLayout } from './layout.js';
import type { CpuAccessMode, MapDirection, SgTable } from './sg-table.js';

/**
 * What the caller of `framework.export()` asks for, merged by the core with
 * the constraints of every attachment made before allocation.
 */
export interface AllocationRequest {
  /** Bytes; for images the exporter may round up (pitch × height). */
  size?: number;
  /** Image width in pixels (with height and format: an image buffer). */
  width?: number;
  /** Image height in pixels. */
  height?: number;
  /** DRM fourcc, e.g. 'XR24'. */
  format?: string;
  /** Merged constraints of the attachments made before allocation (late allocation). */
  constraints: Constraints;
  /** Exporter-specific options, validated by the exporter. */
  options: Readonly<Record<string, unknown>>;
}

/** What an exporter hands the core after allocating (or adopting a received fd). */
export interface Allocation<P = unknown> {
  /** A real dma-buf fd, CLOEXEC. From here on the core owns it and closes it. */
  fd: number;
  /** The buffer's layout: size, and for images format, modifier and planes. */
  layout: BufferLayout;
  /** Exporter-private state (memfd, GEM handle, ...), given back to every hook. */
  priv: P;
  /** Release the exporter's own resources (not `fd`: the core closes that). */
  release?: () => void;
}

/** The read-only view of a buffer that exporter hooks receive. */
export interface ExportedBuffer<P = unknown> {
  /** The buffer's id (the same as DmaBuf.id). */
  readonly id: number;
  /** The core's own fd of the buffer (borrowed: do not close). */
  readonly fd: number;
  /** The buffer's layout (fixed from allocation to release). */
  readonly layout: BufferLayout;
  /** What the exporter's allocate or adopt returned as priv. */
  readonly priv: P;
  /** exp_name as the kernel reports it. */
  readonly expName: string;
}

/** The read-only view of an attachment that exporter hooks receive. */
export interface AttachmentInfo {
  /** Unique per process: the same id the importer's hooks see for this attachment. */
  readonly id: number;
  /** Who attached, e.g. 'V4L2 /dev/video0'. */
  readonly device: string;
  /** What the device asked of the buffer. */
  readonly constraints: Constraints;
}

/**
 * An exporter plugin: the userspace dma_buf_ops. The core owns the lifecycle
 * and calls these hooks only in legal states (never map without attach, never
 * release with attachments), so a plugin never re-checks them. Every hook
 * failure is re-thrown by the core as a PluginError naming the plugin.
 *
 * Guarantees the core gives a plugin:
 * - `allocate` runs once per buffer, at export or (late allocation) at the
 *   first map / fd() / CPU access, with the merged constraints of all
 *   attachments made until then.
 * - `attach` runs before any `map` of that attachment; `map`/`unmap` pair up;
 *   `detach` runs after the last `unmap`; `release` runs once, after the last
 *   `detach`, and then the core closes the fd.
 * - `beginCpuAccess`/`endCpuAccess` pair up around every CPU access scope.
 */
export interface ExporterPlugin<P = unknown> {
  /** Plugin name used in messages, e.g. 'udmabuf'. */
  readonly name: string;
  /** exp_name values the kernel reports in fdinfo for this exporter's buffers. */
  readonly expNames: readonly string[];
  /** Extra matcher for received fds (when exp_name alone is ambiguous or absent). */
  matches?(info: FdInfo): boolean;

  /** Allocate backing storage and return a real dma-buf fd plus layout. */
  allocate(request: AllocationRequest): Allocation<P>;
  /** Build private state for a dma-buf fd received from elsewhere. `fd` is owned by the core. */
  adopt?(fd: number, info: FdInfo, layout: BufferLayout): Allocation<P>;

  /** A device attaches; throw to refuse (the device cannot reach this memory). */
  attach?(buffer: ExportedBuffer<P>, attachment: AttachmentInfo): void;
  /** A device detached (after its last unmap): undo what attach did. Optional. */
  detach?(buffer: ExportedBuffer<P>, attachment: AttachmentInfo): void;
  /** Return the scatterlist for a device mapping; sync for the device here. */
  map(buffer: ExportedBuffer<P>, attachment: AttachmentInfo, direction: MapDirection): SgTable;
  /** A device mapping ended: sync for the CPU here if map synced for the device. Optional. */
  unmap?(
    buffer: ExportedBuffer<P>,
    attachment: AttachmentInfo,
    table: SgTable,
    direction: MapDirection,
  ): void;

  /** Default: DMA_BUF_IOCTL_SYNC START on the buffer's fd. */
  beginCpuAccess?(buffer: ExportedBuffer<P>, mode: CpuAccessMode): void;
  /** Default: DMA_BUF_IOCTL_SYNC END on the buffer's fd. */
  endCpuAccess?(buffer: ExportedBuffer<P>, mode: CpuAccessMode): void;
  /** Default: mmap of the buffer's fd. Return an external ArrayBuffer from the core's mmap. */
  mmap?(buffer: ExportedBuffer<P>, offset: number, length: number, writable: boolean): ArrayBuffer;
}
