/** A process holding a buffer: by fd, by mapping, or both. */
export interface Holder {
  /** The process id. */
  pid: number;
  /** The process's command name (/proc/PID/comm). */
  command: string;
  /** The fds of this buffer the process has open. */
  fds: number[];
  /** How many mappings (VMAs) it has of this buffer, and their bytes. */
  mappings: number;
  /** Bytes of those mappings. */
  mappedBytes: number;
}

/** One dma-buf, merged from every source that saw it. */
export interface BufferEntry {
  /** The buffer's inode: its identity, the same in every process. */
  ino: number;
  /** The kernel exporter's name; undefined when only a mapping was seen and bufinfo was not readable. */
  exporter?: string;
  /** The name set with DMA_BUF_SET_NAME, if any. */
  name?: string;
  /** Bytes; undefined when only a mapping was seen and bufinfo was not readable. */
  size?: number;
  /** The processes holding it, by pid. */
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
  /** The process id. */
  pid: number;
  /** The process's command name (/proc/PID/comm). */
  command: string;
  /** The process's real uid. */
  uid: number;
  /** Distinct buffers it holds by fd or mapping. */
  buffers: number;
  /** dma-buf fds it has open. */
  fds: number;
  /** dma-buf mappings (VMAs) it has. */
  mappings: number;
  /** Bytes of those mappings. */
  mappedBytes: number;
  /** Sum of the sizes of its distinct buffers (buffers of unknown size count their mapped bytes). */
  bytes: number;
}

/** The dma-bufs of one exporter (exp_name) and their bytes. */
export interface ExporterTotal {
  /** The exporter's name (exp_name), e.g. 'udmabuf', 'system'. */
  exporter: string;
  /** Distinct buffers of this exporter. */
  buffers: number;
  /** Sum of their sizes. */
  bytes: number;
}

/** Something `dmabuf ls` could not read (a process's fds or maps, the kernel's bufinfo) and why. */
export interface NotRead {
  /** 'fds' / 'maps' of a process, or the kernel's 'bufinfo'. */
  what: 'fds' | 'maps' | 'bufinfo';
  /** Why it could not be read, errno-like: 'EACCES', 'ENOENT' (the process ended), ... */
  code: string;
  /** The process, for 'fds' and 'maps'. */
  pid?: number;
  /** The process's command name, when it could be read. */
  command?: string;
  /** The process's uid, when it could be read. */
  uid?: number;
}

/** What `dmabuf ls` shows, and `--json` prints. */
export interface Snapshot {
  /** When the scan ran (ISO 8601). */
  time: string;
  /** The uid the scan ran as. */
  uid: number;
  /** Every buffer seen, by inode. */
  buffers: BufferEntry[];
  /** Per process totals, for processes holding at least one buffer. */
  processes: ProcessTotal[];
  /** Per exporter totals. */
  exporters: ExporterTotal[];
  /** All buffers seen, and the sum of their sizes. */
  totals: {
    /** How many buffers were seen. */
    buffers: number;
    /** Their sizes added up, in bytes (each buffer once, however many hold it). */
    bytes: number;
  };
  /** Whether the kernel's list (debugfs bufinfo) was read: then buffers held by no readable process are listed too. */
  kernelList: boolean;
  /** What could not be read (other users' processes without root, debugfs), so the totals are partial. */
  notRead: NotRead[];
}
