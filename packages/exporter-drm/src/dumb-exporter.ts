import {
  type Allocation,
  type AllocationRequest,
  assertFd,
  assertFdInfo,
  assertLayout,
  type BufferLayout,
  CountingExporter,
  chooseModifier,
  closeFd,
  DmaBufError,
  ERRNO,
  type ExportedBuffer,
  type ExporterPlugin,
  type ExporterStats,
  type FdInfo,
  fdIdentity,
  imagePlanes,
  invalidArgument,
  PAGE_SIZE,
  readFdInfo,
  type SgTable,
} from '@dmabuf/core';
import { assertCount, assertDevice, assertRecord, assertText } from './check.js';
import type { DrmDevice } from './device.js';
import { DrmError, UnsupportedFormatError } from './errors.js';
import { type FormatInfo, formatInfo, knownFormats, normalizeFourcc, planeGeometry } from './fourcc.js';
import { drmNative } from './native.js';
import { drmCheck } from './syscall.js';

/** What the exporter keeps per buffer: the dumb buffer's GEM handle on its device (none for adopted fds). */
export interface DumbPriv {
  /** The device this buffer's GEM handle belongs to. */
  device: DrmDevice;
  /** The dumb buffer's GEM handle on that device (closed at release); undefined for adopted fds. */
  handle: number | undefined;
}

/** Options of the DRM dumb-buffer exporter: the device it allocates on, its name and export defaults. */
export interface DumbExporterOptions {
  /**
   * The open DRM device to allocate on: a primary node with dumb buffers and PRIME export (else DrmError).
   */
  device: DrmDevice;
  /** Plugin name (default 'drm'); give each device its own name when registering several. */
  name?: string;
  /** Export read-only dma-bufs by default (exportOptions.options.readOnly overrides per buffer). */
  readOnly?: boolean;
}

/** Live counts, for leak checks: all 0 once every buffer is released. */
export type DumbStats = ExporterStats;

/** Width (in pixels of R8) used for buffers asked by size only. */
const BLOB_PITCH = 4096;
/**
 * Dumb buffers are asked for as 32 bpp rows wide enough for the image's
 * bytes: some drivers (virtio-gpu) take no other bpp, and a dumb buffer is
 * only bytes with a pitch anyway.
 */
const DUMB_BPP = 32;
const MAX_DIM = 16384;

/**
 * Dumb buffers of a DRM device, exported with PRIME as dma-bufs. Pitch and
 * size come from the driver. CPU access goes through the dma-buf's own mmap
 * (the core's default). A buffer asked for by size only (or allocated late
 * from attachments' constraints) is an R8 image 4096 bytes wide.
 */
export class DrmDumbExporter extends CountingExporter<DumbPriv> implements ExporterPlugin<DumbPriv> {
  readonly name: string;
  /** The device it allocates on (not closed by the exporter: the caller or drmExporterPlugin owns it). */
  readonly device: DrmDevice;
  readonly expNames: readonly string[];
  readonly stats: DumbStats = { buffers: 0, attachments: 0, mappings: 0 };
  readonly #readOnly: boolean;

  constructor(options: DumbExporterOptions) {
    super();
    assertRecord('options', options);
    assertDevice('options.device', options.device);
    this.device = options.device;
    this.name = options.name ?? 'drm';
    if (options.name !== undefined) assertText('options.name', options.name);
    if (options.readOnly !== undefined && typeof options.readOnly !== 'boolean')
      throw invalidArgument('options.readOnly', 'a boolean', options.readOnly);
    this.#readOnly = options.readOnly ?? false;
    const dev = this.device;
    if (!dev.caps.dumbBuffers || !dev.caps.primeExport) {
      throw new DrmError(
        dev.label,
        `cannot export dumb buffers (dumb buffers: ${dev.caps.dumbBuffers}, PRIME export: ${dev.caps.primeExport})`,
        {
          code: 'EOPNOTSUPP',
          hint: `Use a primary node (/dev/dri/cardN) of a driver with dumb buffers, e.g. findDrmDevice({ dumbBuffers: true, primeExport: true })`,
        },
      );
    }
    this.expNames = [probeExpName(dev)];
  }

  allocate(req: AllocationRequest): Allocation<DumbPriv> {
    const dev = this.device;
    assertRecord('req', req);
    assertRecord('req.options', req.options);
    const readOnly = readOnlyOption(req.options, this.#readOnly);
    const plan = planDumb(req, dev.label);
    const n = drmNative();
    const dumb = drmCheck(
      n.createDumb(dev.fd, plan.dumbWidth, plan.dumbHeight, DUMB_BPP),
      'DRM_IOCTL_MODE_CREATE_DUMB',
      dev.label,
      `cannot create a dumb buffer of ${plan.dumbWidth}x${plan.dumbHeight} at ${DUMB_BPP} bpp (for ${plan.width}x${plan.height} ${plan.info.fourcc})`,
      (e) =>
        e === ERRNO.EINVAL || e === ERRNO.ENOMEM
          ? 'The driver refuses this size: try a smaller width/height'
          : undefined,
    );
    let fd = -1;
    try {
      fd = drmCheck(
        n.primeHandleToFd(dev.fd, dumb.handle, !readOnly),
        'DRM_IOCTL_PRIME_HANDLE_TO_FD',
        dev.label,
        `cannot export dumb buffer ${dumb.handle}`,
      );
      const identity = fdIdentity(fd).key;
      dev.handles.acquire(identity, () => dumb.handle);
    } catch (e) {
      if (fd >= 0) closeFd(fd);
      n.gemClose(dev.fd, dumb.handle);
      throw e;
    }
    const layout = layoutOf(plan, dumb.pitch, dumb.size);
    const ok = checkPitches(layout, req, dev.label);
    if (ok) {
      closeFd(fd);
      dev.handles.release(dumb.handle);
      throw ok;
    }
    return this.allocation(fd, layout, { device: dev, handle: dumb.handle }, () => {
      if (!dev.closed) dev.handles.release(dumb.handle);
    });
  }

  adopt(fd: number, info: FdInfo, layout: BufferLayout): Allocation<DumbPriv> {
    assertFd('fd', fd);
    assertFdInfo('info', info);
    assertLayout('layout', layout);
    return this.allocation(fd, layout, { device: this.device, handle: undefined });
  }

  protected table(buffer: ExportedBuffer<DumbPriv>): SgTable {
    const size = buffer.layout.size;
    const where = buffer.priv.handle === undefined ? 'received' : `gem:${buffer.priv.handle}`;
    return {
      segments: [{ offset: 0, length: size, source: `${where}@${this.device.path}` }],
      planes: buffer.layout.planes,
      size,
    };
  }
}

/** The exp_name the kernel gives this device's exports (read from fdinfo of a 1x1 probe export). */
function probeExpName(dev: DrmDevice): string {
  const n = drmNative();
  const dumb = n.createDumb(dev.fd, 1, 1, DUMB_BPP);
  if (typeof dumb === 'number') return dev.driver === 'virtio_gpu' ? 'virtio_gpu' : 'drm';
  try {
    const fd = n.primeHandleToFd(dev.fd, dumb.handle, false);
    if (fd < 0) return 'drm';
    try {
      return readFdInfo(fd).expName ?? 'drm';
    } finally {
      closeFd(fd);
    }
  } finally {
    n.gemClose(dev.fd, dumb.handle);
  }
}

function readOnlyOption(options: Readonly<Record<string, unknown>>, fallback: boolean): boolean {
  const v = options.readOnly;
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw invalidArgument('options.readOnly', 'a boolean', v);
  return v;
}

/** What to ask the driver for. Pure: exported for tests. */
export interface DumbPlan {
  /** The pixel format's facts (planes, block sizes) from core's table. */
  info: FormatInfo;
  /** The image width in pixels. */
  width: number;
  /** The image height in rows. */
  height: number;
  /** Rows laid out (height rounded up to the constraints' height alignment). */
  rows: number;
  /** The least plane-0 pitch that meets the constraints (the driver may choose more). */
  pitch: number;
  /** Width of the dumb buffer in 32 bpp pixels: plane 0's pitch / 4, rounded up. */
  dumbWidth: number;
  /** Rows of the dumb buffer: all planes stacked at plane 0's pitch (NV12: rows × 1.5). */
  dumbHeight: number;
  /** Why the buffer is LINEAR (dumb buffers are nothing else). */
  modifierReason: string;
}

/** Turn an allocation request (image, or size only) into a dumb buffer request; typed errors for bad input. */
export function planDumb(req: AllocationRequest, device: string): DumbPlan {
  assertRecord('req', req);
  assertRecord('req.constraints', req.constraints);
  assertText('device', device);
  const c = req.constraints;
  if (req.width !== undefined || req.height !== undefined) {
    if (req.width === undefined || req.height === undefined) {
      throw invalidArgument(
        req.width === undefined ? 'width' : 'height',
        'a positive integer (give both width and height)',
        undefined,
      );
    }
    for (const [k, v] of [
      ['width', req.width],
      ['height', req.height],
    ] as const) {
      if (!Number.isSafeInteger(v) || v < 1 || v > MAX_DIM)
        throw invalidArgument(k, `an integer between 1 and ${MAX_DIM}`, v);
    }
    const format = req.format ?? c.formats?.[0]?.format ?? 'XR24';
    const info = formatInfo(format);
    if (!info) {
      throw new UnsupportedFormatError(
        device,
        `no dumb-buffer layout for format '${format}'`,
        format,
        undefined,
        `Use one of ${knownFormats().join(', ')}`,
      );
    }
    if (c.formats && !c.formats.some((f) => normalizeFourcc(f.format) === info.fourcc)) {
      throw new UnsupportedFormatError(
        device,
        `format ${format} is not one the attached devices take (${c.formats.map((f) => f.format).join(', ')})`,
        format,
        undefined,
        'Export in a format every attached device takes',
      );
    }
    const { reason } = chooseModifier(info.fourcc, c, `${device} (dumb buffers)`);
    const planes = imagePlanes(
      info,
      req.width,
      req.height,
      {
        ...(c.pitchAlignment !== undefined ? { pitchAlignment: c.pitchAlignment } : {}),
        ...(c.heightAlignment !== undefined ? { heightAlignment: c.heightAlignment } : {}),
        ...(c.pitches?.[0] !== undefined ? { pitches: [c.pitches[0]] } : {}),
      },
      device,
    );
    const pitch = planes[0]!.pitch;
    const bytes = planes.reduce((s, p) => s + p.size, 0);
    return {
      info,
      width: req.width,
      height: req.height,
      rows: planes[0]!.rows,
      pitch,
      dumbWidth: Math.ceil(pitch / 4),
      dumbHeight: Math.ceil(bytes / pitch),
      modifierReason: reason,
    };
  }
  const want = Math.max(req.size ?? 0, c.minSize ?? 0, ...(c.minPlaneSizes ?? [0]));
  if (want <= 0) {
    throw new DmaBufError(`${device}: nothing says how big the buffer must be`, {
      code: 'EINVAL',
      hint: 'Pass width/height/format (or a size) at export, or attach a device with constraints before the first map',
    });
  }
  const info = formatInfo('R8')!;
  const rows = Math.ceil(roundUp(want, Math.max(PAGE_SIZE, c.alignment ?? 1)) / BLOB_PITCH);
  return {
    info,
    width: BLOB_PITCH,
    height: rows,
    rows,
    pitch: BLOB_PITCH,
    dumbWidth: BLOB_PITCH / 4,
    dumbHeight: rows,
    modifierReason: 'LINEAR: a plain buffer',
  };
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** The layout of a dumb buffer the driver made with pitch/size. Pure: exported for tests. */
export function layoutOf(plan: DumbPlan, pitch: number, size: number): BufferLayout {
  assertRecord('plan', plan);
  assertRecord('plan.info', plan.info);
  assertCount('pitch', pitch);
  assertCount('size', size);
  const geo = planeGeometry(plan.info, plan.width, plan.rows, pitch);
  let offset = 0;
  const planes = geo.map((g) => {
    const p = { offset, pitch: g.pitch, size: g.pitch * g.rows };
    offset += p.size;
    return p;
  });
  return {
    size,
    width: plan.width,
    height: plan.height,
    format: plan.info.fourcc,
    modifier: 0n,
    modifierReason: plan.modifierReason,
    planes,
  };
}

function checkPitches(layout: BufferLayout, req: AllocationRequest, device: string): DmaBufError | undefined {
  const want = req.constraints.pitches;
  if (!want) return undefined;
  for (let i = 0; i < want.length; i++) {
    const have = layout.planes[i]?.pitch;
    if (have !== undefined && have !== want[i]) {
      return new DrmError(
        device,
        `the driver chose a pitch of ${have} bytes for plane ${i}, an attached device needs ${want[i]}`,
        {
          code: 'EINVAL',
          hint: "Dumb buffers take the driver's pitch: allocate on the device with the exact pitch, or copy",
        },
      );
    }
  }
  return undefined;
}
