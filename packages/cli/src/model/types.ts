/** A process holding a buffer: by fd, by mapping, or both. */
export interface Holder {
  pid: number;
  command: string;
  /** The fds of this buffer the process has open. */
  fds: number[];
  /** How many mappings (VMAs) it has of this buffer, and their bytes. */
  mappings: number;
  mappedBytes: number;
}

/** One dma-buf, merged from every source that saw it. */
export interface BufferEntry {
  ino: number;
  /** The kernel exporter's name; undefined when only a mapping was seen and bufinfo was not readable. */
  exporter?: string;
  name?: string;
  /** Bytes; undefined when only a mapping was seen and bufinfo was not readable. */
  size?: number;
  holders: Holder[];
  /** The kernel's file reference count (bufinfo, else fdinfo). */
  kernelCount?: number;
  /** Devices attached, from bufinfo. */
  attached?: string[];
  /** Which sources saw it. */
  seenIn: ('fdinfo' | 'maps' | 'bufinfo')[];
}

/** The dma-bufs one process holds, by fd and by mapping, and their bytes. */
export interface ProcessTotal {
  pid: number;
  command: string;
  uid: number;
  /** Distinct buffers it holds by fd or mapping. */
  buffers: number;
  fds: number;
  mappings: number;
  mappedBytes: number;
  /** Sum of the sizes of its distinct buffers (buffers of unknown size count their mapped bytes). */
  bytes: number;
}

/** The dma-bufs of one exporter (exp_name) and their bytes. */
export interface ExporterTotal {
  exporter: string;
  buffers: number;
  bytes: number;
}

/** Something `dmabuf ls` could not read (a process's fds or maps, the kernel's bufinfo) and why. */
export interface NotRead {
  /** 'fds' / 'maps' of a process, or the kernel's 'bufinfo'. */
  what: 'fds' | 'maps' | 'bufinfo';
  code: string;
  pid?: number;
  command?: string;
  uid?: number;
}

/** What `dmabuf ls` shows, and `--json` prints. */
export interface Snapshot {
  time: string;
  /** The uid the scan ran as. */
  uid: number;
  buffers: BufferEntry[];
  processes: ProcessTotal[];
  exporters: ExporterTotal[];
  totals: { buffers: number; bytes: number };
  /** Whether the kernel's list (debugfs bufinfo) was read: then buffers held by no readable process are listed too. */
  kernelList: boolean;
  notRead: NotRead[];
}
