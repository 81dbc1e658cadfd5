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
  /** Buffers can be V4L2_MEMORY_MMAP (the driver allocates them; exportable as dma-bufs with EXPBUF). */
  SUPPORTS_MMAP: 1 << 0,
  /** Buffers can be V4L2_MEMORY_USERPTR (user memory; not used by this package). */
  SUPPORTS_USERPTR: 1 << 1,
  /** Buffers can be V4L2_MEMORY_DMABUF: the queue imports dma-bufs (what attaching a buffer needs). */
  SUPPORTS_DMABUF: 1 << 2,
  /** The queue takes buffers in media requests (the request API). */
  SUPPORTS_REQUESTS: 1 << 3,
  /** Buffers still mapped or exported when the queue is freed (REQBUFS 0) stay valid until let go. */
  SUPPORTS_ORPHANED_BUFS: 1 << 4,
  /** A stateless decoder can hold a capture buffer over several output buffers (slices of one frame). */
  SUPPORTS_M2M_HOLD_CAPTURE_BUF: 1 << 5,
  /** The queue honours cache-management hints for MMAP buffers. */
  SUPPORTS_MMAP_CACHE_HINTS: 1 << 6,
} as const;

/** V4L2_BUF_FLAG_* of a dequeued buffer. */
export const BUF_FLAG = {
  /** The buffer is mmap()ed by some process (MMAP buffers). */
  MAPPED: 0x1,
  /** The buffer is in the driver's incoming queue. */
  QUEUED: 0x2,
  /** The buffer is in the driver's outgoing queue, ready to dequeue. */
  DONE: 0x4,
  /** A key frame (I-frame) of a compressed stream. */
  KEYFRAME: 0x8,
  /** A predicted frame (P-frame) of a compressed stream. */
  PFRAME: 0x10,
  /** A bi-directionally predicted frame (B-frame) of a compressed stream. */
  BFRAME: 0x20,
  /** The data may be corrupt (a transfer error); the buffer is dequeued anyway, with what was written. */
  ERROR: 0x40,
  /** The timecode field is valid. */
  TIMECODE: 0x100,
  /** The buffer was prepared (VIDIOC_PREPARE_BUF) and can be queued without more checks. */
  PREPARED: 0x400,
  /** The bits saying what the timestamp is (mask with this, compare with the TIMESTAMP_* values). */
  TIMESTAMP_MASK: 0xe000,
  /** The timestamp is CLOCK_MONOTONIC, taken by the driver. */
  TIMESTAMP_MONOTONIC: 0x2000,
  /** The timestamp was copied from the matching output buffer (M2M devices). */
  TIMESTAMP_COPY: 0x4000,
  /** The last buffer of a stream (after a drain or a resolution change): nothing more comes until restarted. */
  LAST: 0x100000,
} as const;

export const FIELD_NONE = 1;
export const FIELD_ANY = 0;

/** V4L2_CTRL_TYPE_*. */
export const CTRL_TYPE = {
  /** A signed 32-bit value between minimum and maximum, in steps of step. */
  INTEGER: 1,
  /** 0 or 1. */
  BOOLEAN: 2,
  /** An index into named items (VIDIOC_QUERYMENU names them). */
  MENU: 3,
  /** An action: writing any value triggers it; reading gives nothing. */
  BUTTON: 4,
  /** A signed 64-bit value. */
  INTEGER64: 5,
  /** Not a control: the heading of a class of controls. */
  CTRL_CLASS: 6,
  /** A text (maximum: its longest length in bytes). */
  STRING: 7,
  /** A 32-bit set of bits. */
  BITMASK: 8,
  /** An index into a list of 64-bit integers. */
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
