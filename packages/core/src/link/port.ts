import type { DmaBuf } from '../dma-buf.js';
import type { DmaBufError } from '../errors.js';

/**
 * One end of a link, as a driver package offers it: a V4L2 capture queue
 * (source), a KMS display (sink), or one of core's own (countingSink,
 * cyclingSource). The frames never pass through JavaScript: `claim()` hands
 * core's link engine a native port (a C table of functions behind a napi
 * external, see native/include/dmabuf/port.h); the port's JavaScript side
 * refuses its own use (frames(), flip(), queue()) until `release()`.
 */
export interface LinkPort {
  /** A source hands out filled buffers; a sink consumes them and says when it is done. */
  readonly kind: 'source' | 'sink';
  /** How messages name it: 'V4L2 /dev/video0 (capture)', 'DRM card1 (virtio_gpu) Virtual-1'. */
  readonly name: string;
  /**
   * The buffers behind each slot, fixed while linked (the link holds them).
   * A source's slot i goes to the sink slot with the same buffer; a sink
   * with none takes every slot (a counting sink).
   */
  slots(): readonly (readonly DmaBuf[])[];
  /**
   * The link takes the port: throw the typed error when it cannot be linked
   * now (closed, streaming, a flip pending). Returns the native port.
   * `stopNow` ends the link at once: the source stops (a camera streams off),
   * what the sink has in flight is collected (a pending flip: waited for a
   * short while, then abandoned), the link's native thread is joined, and
   * every buffer and both ports are let go, all before it returns. A port
   * whose owner closes while linked (a queue, a display) calls it first: once
   * it returns, no syscall of the link can reach the owner's fd, so the
   * owner may close it (and a file that gets the same number is safe).
   */
  claim(link: string, stopNow?: () => void): object;
  /** The link has ended (every buffer back with the port): usable from JavaScript again. */
  release(): void;
  /** The typed error for a failed native operation of this port (`errno` > 0), e.g. DeviceLostError for ENODEV. */
  failure(errno: number, operation: string): DmaBufError;
}

/** Is `value` a LinkPort (duck-typed: ports come from other packages)? */
export function isLinkPort(value: unknown): value is LinkPort {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Partial<LinkPort>;
  return (
    (p.kind === 'source' || p.kind === 'sink') &&
    typeof p.name === 'string' &&
    typeof p.slots === 'function' &&
    typeof p.claim === 'function' &&
    typeof p.release === 'function' &&
    typeof p.failure === 'function'
  );
}
