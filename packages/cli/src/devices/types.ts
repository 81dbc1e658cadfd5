/** A frame size and, for discrete sizes, its frame rates. */
export interface V4l2Size {
  /** '640x480', or 'min..max step' for stepwise/continuous ranges. */
  size: string;
  type: 'discrete' | 'continuous' | 'stepwise';
  /** Frames per second ('30', '29.97', or a range), discrete sizes only. */
  rates: string[];
}

/** One pixel format of a V4L2 queue, with the frame sizes and rates the device lists for it. */
export interface V4l2FormatReport {
  fourcc: string;
  description: string;
  compressed: boolean;
  sizes: V4l2Size[];
}

/** One queue of a V4L2 device: its kind, formats and what its buffers can be. */
export interface V4l2QueueReport {
  kind: string;
  formats: V4l2FormatReport[];
  /** REQBUFS capability bits: import of dma-bufs (V4L2_MEMORY_DMABUF), MMAP (exportable with EXPBUF); undefined when not answered. */
  dmabufImport?: boolean;
  mmapExport?: boolean;
  /** Why the buffer capabilities are unknown (e.g. EBUSY: another process streams). */
  capabilitiesError?: string;
}

/** A V4L2 device as `dmabuf devices` reports it. */
export interface V4l2Report {
  path: string;
  driver: string;
  card: string;
  busInfo: string;
  version: string;
  deviceCaps: string[];
  queues: V4l2QueueReport[];
}

/** A DRM plane: its type and the formats and modifiers it takes. */
export interface DrmPlaneReport {
  id: number;
  type: string;
  /** fourcc → modifier names ('LINEAR', 'INTEL:0x…'). */
  formats: Record<string, string[]>;
}

/** A DRM connector: its state and modes. */
export interface DrmConnectorReport {
  name: string;
  connection: string;
  /** '1280x800@60', preferred first marked with '*'. */
  modes: string[];
}

/** A DRM device as `dmabuf devices` reports it: driver, node type, PRIME caps, connectors and planes. */
export interface DrmReport {
  path: string;
  node: 'primary' | 'render';
  driver: string;
  /** 'virtio_gpu 0.1.0 (virtio GPU)'. */
  version: string;
  caps: Record<string, boolean>;
  connectors: DrmConnectorReport[];
  planes: DrmPlaneReport[];
}

/** A dma-heap as `dmabuf devices` reports it. */
export interface HeapReport {
  name: string;
  path: string;
  /** Whether this user can open it for allocation. */
  accessible: boolean;
}

/** /dev/udmabuf as `dmabuf devices` reports it, with the module's limits. */
export interface UdmabufReport {
  path: string;
  present: boolean;
  accessible: boolean;
  /** Module parameters size_limit_mb / list_limit ('sysfs'), or the kernel defaults when sysfs is unreadable. */
  limits: { sizeLimitMb: number; listLimit: number; source: 'sysfs' | 'default' };
  hugePages: { total: number; free: number; size: number };
}

/** A device that could not be opened or read, and why. */
export interface DeviceNotRead {
  path: string;
  code: string;
  message: string;
}

/** Everything `dmabuf devices` found (its `--json` output), and what it could not read. */
export interface DevicesReport {
  v4l2: V4l2Report[];
  drm: DrmReport[];
  heaps: HeapReport[];
  udmabuf: UdmabufReport;
  notRead: DeviceNotRead[];
}
