/** Values from linux/videodev2.h that the TypeScript side needs. */

/** The queues this package streams: video capture/output, single- or multi-planar. */
export type QueueKind = 'capture' | 'output' | 'capture-mplane' | 'output-mplane';
/** Every QueueKind value. */
export const QUEUE_KINDS: readonly QueueKind[] = ['capture', 'output', 'capture-mplane', 'output-mplane'];

/** V4L2_BUF_TYPE_* of each queue kind. */
export const BUF_TYPE: Record<QueueKind, number> = {
  capture: 1,
  output: 2,
  'capture-mplane': 9,
  'output-mplane': 10,
};

export function isOutputKind(kind: QueueKind): boolean {
  return kind === 'output' || kind === 'output-mplane';
}

export function isMplaneKind(kind: QueueKind): boolean {
  return kind === 'capture-mplane' || kind === 'output-mplane';
}

/** How a queue's buffers are backed: dma-bufs you attach (`dmabuf`, V4L2_MEMORY_DMABUF) or the driver's own (`mmap`, V4L2_MEMORY_MMAP). */
export type MemoryKind = 'mmap' | 'dmabuf';
export const MEMORY_KINDS: readonly MemoryKind[] = ['mmap', 'dmabuf'];
/** V4L2_MEMORY_* of each MemoryKind. */
export const MEMORY: Record<MemoryKind, number> = { mmap: 1, dmabuf: 4 };

/** V4L2_BUF_CAP_* from REQBUFS. */
export const BUF_CAP = {
  SUPPORTS_MMAP: 1 << 0,
  SUPPORTS_USERPTR: 1 << 1,
  SUPPORTS_DMABUF: 1 << 2,
  SUPPORTS_REQUESTS: 1 << 3,
  SUPPORTS_ORPHANED_BUFS: 1 << 4,
  SUPPORTS_M2M_HOLD_CAPTURE_BUF: 1 << 5,
  SUPPORTS_MMAP_CACHE_HINTS: 1 << 6,
} as const;

/** V4L2_BUF_FLAG_* of a dequeued buffer. */
export const BUF_FLAG = {
  MAPPED: 0x1,
  QUEUED: 0x2,
  DONE: 0x4,
  KEYFRAME: 0x8,
  PFRAME: 0x10,
  BFRAME: 0x20,
  ERROR: 0x40,
  TIMECODE: 0x100,
  PREPARED: 0x400,
  TIMESTAMP_MASK: 0xe000,
  TIMESTAMP_MONOTONIC: 0x2000,
  TIMESTAMP_COPY: 0x4000,
  LAST: 0x100000,
} as const;

export const FIELD_NONE = 1;
export const FIELD_ANY = 0;

/** V4L2_CTRL_TYPE_*. */
export const CTRL_TYPE = {
  INTEGER: 1,
  BOOLEAN: 2,
  MENU: 3,
  BUTTON: 4,
  INTEGER64: 5,
  CTRL_CLASS: 6,
  STRING: 7,
  BITMASK: 8,
  INTEGER_MENU: 9,
} as const;

/** V4L2_CTRL_FLAG_*. */
export const CTRL_FLAG = {
  DISABLED: 0x1,
  GRABBED: 0x2,
  READ_ONLY: 0x4,
  UPDATE: 0x8,
  INACTIVE: 0x10,
  SLIDER: 0x20,
  WRITE_ONLY: 0x40,
  VOLATILE: 0x80,
  HAS_PAYLOAD: 0x100,
  EXECUTE_ON_WRITE: 0x200,
  NEXT_CTRL: 0x80000000,
} as const;

/** V4L2_EVENT_* types a memory-to-memory device sends. */
export const EVENT_TYPE = { EOS: 2, CTRL: 3, SOURCE_CHANGE: 5 } as const;
/** V4L2_EVENT_SRC_CH_RESOLUTION. */
export const SRC_CH_RESOLUTION = 1;
/** V4L2_ENC_CMD_* and V4L2_DEC_CMD_* (the same numbers for START and STOP). */
export const CODEC_CMD = { START: 0, STOP: 1 } as const;

export const FRMSIZE_TYPE = { DISCRETE: 1, CONTINUOUS: 2, STEPWISE: 3 } as const;

export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  EBUSY: 16,
  ENODEV: 19,
  EINVAL: 22,
  ENOTTY: 25,
  EPIPE: 32,
  ENOSPC: 28,
} as const;
