import type { DmaBuf } from '../dma-buf.js';
import { errnoName } from '../errno.js';
import { DmaBufError, invalidArgument } from '../errors.js';
import { linkNative } from './native-link.js';
import type { LinkPort } from './port.js';

/**
 * A sink that is done with every buffer the moment it gets it: a capture
 * link into it measures the source alone (frames, skips, CPU per frame).
 */
export function countingSink(): LinkPort {
  let native: object | undefined;
  return {
    kind: 'sink',
    name: 'counting sink',
    slots: () => [],
    claim: () => {
      native ??= linkNative().countingSink();
      return native;
    },
    release: () => {},
    failure: (errno, op) => portFailure('counting sink', errno, op),
  };
}

/**
 * A source that is always ready and hands out its buffers in turn: a link
 * from it into a display alternates framebuffers as fast as flips complete
 * (modetest -v does the same), with nothing captured.
 */
export function cyclingSource(buffers: readonly DmaBuf[]): LinkPort {
  if (!Array.isArray(buffers) || buffers.length < 2)
    throw invalidArgument('buffers', 'an array of at least two DmaBufs', buffers);
  const slots = buffers.map((b) => [b] as const);
  let native: object | undefined;
  return {
    kind: 'source',
    name: `cycling source (${buffers.length} buffers)`,
    slots: () => slots,
    claim: () => {
      native ??= linkNative().cyclingSource(buffers.length);
      return native;
    },
    release: () => {},
    failure: (errno, op) => portFailure('cycling source', errno, op),
  };
}

/** The typed error of one of core's own ports (its failure()): `<name>: <op> failed (<ERRNO>)`, and the hint if any. */
export function portFailure(name: string, errno: number, op: string, hint?: string): DmaBufError {
  return new DmaBufError(`${name}: ${op} failed (${errnoName(errno)})`, {
    code: errnoName(errno),
    errno,
    syscall: op,
    hint,
  });
}
