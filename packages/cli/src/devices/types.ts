/** A frame size and, for discrete sizes, its frame rates. */
export interface V4l2Size {
  /** '640x480', or 'min..max step' for stepwise/continuous ranges. */
  size: string;
  /** How the device lists this size (VIDIOC_ENUM_FRAMESIZES type). */
  type: 'discrete' | 'continuous' | 'stepwise';
  /** Frames per second ('30', '29.97', or a range), discrete sizes only. */
  rates: string[];
}

/** One pixel format of a V4L2 queue, with the frame sizes and rates the device lists for it. */
export interface V4l2FormatReport {
  /** The V4L2 fourcc, e.g. 'YUYV'. */
  fourcc: string;
  /** The driver's description of the format. */
  description: string;
  /** A compressed format (MJPEG, H.264, FWHT, ...). */
  compressed: boolean;
  /** The frame sizes listed for it. */
  sizes: V4l2Size[];
}

/** One queue of a V4L2 device: its kind, formats and what its buffers can be. */
export interface V4l2QueueReport {
  /** The queue: 'capture', 'output', 'capture-mplane' or 'output-mplane'. */
  kind: string;
  /** The formats the queue lists. */
  formats: V4l2FormatReport[];
  /** REQBUFS capability bits: import of dma-bufs (V4L2_MEMORY_DMABUF), MMAP (exportable with EXPBUF); undefined when not answered. */
  dmabufImport?: boolean;
  /** Whether MMAP buffers can be had (and exported as dma-bufs with EXPBUF); undefined when not answered. */
  mmapExport?: boolean;
  /** Why the buffer capabilities are unknown (e.g. EBUSY: another process streams). */
  capabilitiesError?: string;
}

/** A V4L2 device as `dmabuf devices` reports it. */
export interface V4l2Report {
  /** The device node, e.g. '/dev/video0'. */
  path: string;
  /** The driver (VIDIOC_QUERYCAP), e.g. 'vivid', 'uvcvideo'. */
  driver: string;
  /** The card name the driver gives. */
  card: string;
  /** The bus info, e.g. 'platform:vivid-000', 'usb-0000:00:14.0-1'. */
  busInfo: string;
  /** The kernel version the driver reports, e.g. '6.12.38'. */
  version: string;
  /** The node's capabilities, e.g. 'video-capture', 'streaming'. */
  deviceCaps: string[];
  /** Its queues, with formats and buffer capabilities. */
  queues: V4l2QueueReport[];
}

/** A DRM plane: its type and the formats and modifiers it takes. */
export interface DrmPlaneReport {
  /** The plane's KMS object id. */
  id: number;
  /** 'primary', 'overlay' or 'cursor'. */
  type: string;
  /** fourcc → modifier names ('LINEAR', 'INTEL:0x…'). */
  formats: Record<string, string[]>;
}

/** A DRM connector: its state and modes. */
export interface DrmConnectorReport {
  /** The connector's name, e.g. 'HDMI-A-1', 'Virtual-1'. */
  name: string;
  /** 'connected', 'disconnected' or 'unknown'. */
  connection: string;
  /** '1280x800@60', preferred first marked with '*'. */
  modes: string[];
}

/** A DRM device as `dmabuf devices` reports it: driver, node type, PRIME caps, connectors and planes. */
export interface DrmReport {
  /** The device node, e.g. '/dev/dri/card0'. */
  path: string;
  /** A primary node (card*, KMS and dumb buffers) or a render node (renderD*). */
  node: 'primary' | 'render';
  /** The DRM driver, e.g. 'virtio_gpu', 'vgem', 'i915'. */
  driver: string;
  /** 'virtio_gpu 0.1.0 (virtio GPU)'. */
  version: string;
  /** What it can do, by name: kms, atomic, dumbBuffers, primeImport, primeExport, ... */
  caps: Record<string, boolean>;
  /** Its connectors (KMS devices only). */
  connectors: DrmConnectorReport[];
  /** Its planes with formats and modifiers (KMS devices only). */
  planes: DrmPlaneReport[];
}

/** A dma-heap as `dmabuf devices` reports it. */
export interface HeapReport {
  /** The heap's name, e.g. 'system'. */
  name: string;
  /** Its device node, e.g. '/dev/dma_heap/system'. */
  path: string;
  /** Whether this user can open it for allocation. */
  accessible: boolean;
}

/** /dev/udmabuf as `dmabuf devices` reports it, with the module's limits. */
export interface UdmabufReport {
  /** '/dev/udmabuf'. */
  path: string;
  /** Whether the node exists (the udmabuf module is loaded or built in). */
  present: boolean;
  /** Whether this user can open it. */
  accessible: boolean;
  /** Module parameters size_limit_mb / list_limit ('sysfs'), or the kernel defaults when sysfs is unreadable. */
  limits: {
    /** size_limit_mb: the largest udmabuf, in MiB (kernel default 64). */
    sizeLimitMb: number;
    /** list_limit: the most memfd ranges in one UDMABUF_CREATE_LIST (kernel default 1024). */
    listLimit: number;
    /** 'sysfs': read from /sys/module/udmabuf/parameters; 'default': the kernel's defaults (unreadable). */
    source: 'sysfs' | 'default';
  };
  /** The system's huge pages (udmabuf can back buffers with them): total and free pages, and the page size in bytes. */
  hugePages: {
    /** HugePages_Total from /proc/meminfo (0 without hugetlb). */
    total: number;
    /** HugePages_Free: pages not in use. */
    free: number;
    /** The huge page size in bytes (Hugepagesize). */
    size: number;
  };
}

/** A device that could not be opened or read, and why. */
export interface DeviceNotRead {
  /** The device node. */
  path: string;
  /** Why it could not be read, errno-like: 'EACCES', 'EBUSY', ... */
  code: string;
  /** What happened, in words. */
  message: string;
}

/** Everything `dmabuf devices` found (its `--json` output), and what it could not read. */
export interface DevicesReport {
  /** The V4L2 devices. */
  v4l2: V4l2Report[];
  /** The DRM devices (primary and render nodes). */
  drm: DrmReport[];
  /** The dma-heaps. */
  heaps: HeapReport[];
  /** /dev/udmabuf. */
  udmabuf: UdmabufReport;
  /** The devices that could not be opened or read. */
  notRead: DeviceNotRead[];
}
