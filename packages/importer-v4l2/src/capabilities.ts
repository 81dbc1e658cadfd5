import { assertU32 } from './check-args.js';
import { BUF_CAP } from './constants.js';

/** Device capability names, from V4L2_CAP_* bits. */
const CAP_BITS: ReadonlyArray<readonly [string, number]> = [
  ['video-capture', 0x1],
  ['video-output', 0x2],
  ['video-overlay', 0x4],
  ['vbi-capture', 0x10],
  ['vbi-output', 0x20],
  ['sliced-vbi-capture', 0x40],
  ['sliced-vbi-output', 0x80],
  ['rds-capture', 0x100],
  ['video-output-overlay', 0x200],
  ['hw-freq-seek', 0x400],
  ['rds-output', 0x800],
  ['video-capture-mplane', 0x1000],
  ['video-output-mplane', 0x2000],
  ['video-m2m-mplane', 0x4000],
  ['video-m2m', 0x8000],
  ['tuner', 0x10000],
  ['audio', 0x20000],
  ['radio', 0x40000],
  ['modulator', 0x80000],
  ['sdr-capture', 0x100000],
  ['ext-pix-format', 0x200000],
  ['sdr-output', 0x400000],
  ['meta-capture', 0x800000],
  ['readwrite', 0x1000000],
  ['streaming', 0x4000000],
  ['meta-output', 0x8000000],
  ['touch', 0x10000000],
  ['io-mc', 0x20000000],
  ['device-caps', 0x80000000],
];

export type DeviceCapability = (typeof CAP_BITS)[number][0];
/** The names of every V4L2_CAP_* bit `decodeCapabilities` knows. */
export const DEVICE_CAPABILITIES: readonly string[] = CAP_BITS.map(([n]) => n);

/** Names of the V4L2_CAP_* bits set in `bits`. */
export function decodeCapabilities(bits: number): string[] {
  assertU32('bits', bits);
  return CAP_BITS.filter(([, b]) => (bits & b) >>> 0 === b).map(([n]) => n);
}

/** What a queue's buffers can be (V4L2_BUF_CAP_* from REQBUFS). */
export interface BufferCapabilities {
  /** MMAP buffers: the driver allocates them; they can be exported as dma-bufs (EXPBUF). */
  mmap: boolean;
  /** USERPTR buffers (user memory; not used by this package). */
  userptr: boolean;
  /** DMABUF buffers: the queue imports dma-bufs, which attaching a buffer to it needs. */
  dmabuf: boolean;
  /** Buffers can be queued in media requests (the request API). */
  requests: boolean;
  /** Buffers still mapped or exported when the queue is freed stay valid until let go. */
  orphanedBuffers: boolean;
  /** The queue honours cache-management hints for MMAP buffers. */
  mmapCacheHints: boolean;
  /** The raw bits. */
  bits: number;
}

/** What a queue's buffers can be (V4L2_BUF_CAP_* from REQBUFS): MMAP, USERPTR, DMABUF import, and so on. */
export function decodeBufferCapabilities(bits: number): BufferCapabilities {
  assertU32('bits', bits);
  return {
    mmap: (bits & BUF_CAP.SUPPORTS_MMAP) !== 0,
    userptr: (bits & BUF_CAP.SUPPORTS_USERPTR) !== 0,
    dmabuf: (bits & BUF_CAP.SUPPORTS_DMABUF) !== 0,
    requests: (bits & BUF_CAP.SUPPORTS_REQUESTS) !== 0,
    orphanedBuffers: (bits & BUF_CAP.SUPPORTS_ORPHANED_BUFS) !== 0,
    mmapCacheHints: (bits & BUF_CAP.SUPPORTS_MMAP_CACHE_HINTS) !== 0,
    bits,
  };
}
