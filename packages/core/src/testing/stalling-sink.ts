import { invalidArgument } from '../errors.js';
import { portFailure } from '../link/core-ports.js';
import { linkNative } from '../link/native-link.js';
import type { LinkPort } from '../link/port.js';
import { check } from '../syscall.js';

/** How a stalling sink behaves (see stallingSink). */
export interface StallingSinkOptions {
  /**
   * The completion time the sink promises (a KMS plane promises 5000 ms): a submission still
   * pending after it stops the link with ETIMEDOUT (ENODEV when `gone`). 0 (the default): no limit.
   */
  completeWithinMs?: number;
  /** The sink's device says it is gone (its health check answers ENODEV), as an unplugged display's does. */
  gone?: boolean;
}

/** A link sink that never completes a buffer, and whose owner can be closed like a display. */
export interface StallingSink extends LinkPort {
  /** The owner closes while linked: ends the link at once, as display.close() does (no-op when not linked). */
  close(): void;
}

/**
 * A sink that takes one buffer and never completes it: its fd (an eventfd nothing writes) never
 * becomes readable, as a display whose page flip event never comes. For tests of a link's stop,
 * abort, owner close and completion time limit, on any machine.
 */
export function stallingSink(options: StallingSinkOptions = {}): StallingSink {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  const within = options.completeWithinMs ?? 0;
  if (!Number.isInteger(within) || within < 0 || within > 0xffffffff)
    throw invalidArgument('completeWithinMs', 'an integer from 0 to 2^32-1', within);
  const gone = options.gone ?? false;
  if (typeof gone !== 'boolean') throw invalidArgument('gone', 'a boolean', gone);
  let native: object | undefined;
  let stop: (() => void) | undefined;
  return {
    kind: 'sink',
    name: 'stalling sink',
    slots: () => [],
    claim: (_link, stopNow) => {
      if (native === undefined) {
        const port = linkNative().stallingSink(within, gone);
        check(port, 'eventfd', 'stalling sink: cannot make its port');
        native = port as object;
      }
      stop = stopNow;
      return native;
    },
    release: () => {
      stop = undefined;
    },
    close: () => stop?.(),
    failure: (errno, op) =>
      portFailure('stalling sink', errno, op, 'A test sink: it never completes by design'),
  };
}
