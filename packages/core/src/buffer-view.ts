import type { BufferLayout } from './layout.js';

/** A buffer's lifecycle state: `pending` (exported without a size, allocated at the first map), `live` (it has an fd), `released` (every call throws ReleasedError). */
export type BufferState = 'pending' | 'live' | 'released';

/**
 * The read-only view of a buffer that importers see (what `DmaBuf` offers a
 * device besides the lifecycle calls): names for messages, its identity, its
 * layout and a borrowed fd to hand to an ioctl. `DmaBuf` implements it.
 */
export interface BufferView {
  /** Unique per process and per buffer object (a received fd adopted again gets a new one). */
  readonly id: number;
  /** 'buffer #3 (udmabuf)': how messages name the buffer. */
  readonly label: string;
  /** exp_name as the kernel reports it in fdinfo. */
  readonly expName: string;
  /** 'pending' (no storage yet), 'live' (has an fd) or 'released'. */
  readonly state: BufferState;
  /** Allocated (not pending, not released). */
  readonly allocated: boolean;
  /** True after the last put() (or framework close): every call then throws ReleasedError. */
  readonly released: boolean;
  /** The layout; reading it allocates a pending buffer. */
  readonly layout: BufferLayout;
  /** Bytes: the layout's size (reading it allocates a pending buffer). */
  readonly size: number;
  /** `dev:ino` of the buffer's file: the same for every fd of it. */
  readonly identity: string;
  /** The buffer's own fd, borrowed: valid while the buffer lives, never closed by the caller. */
  borrowFd(): number;
}
