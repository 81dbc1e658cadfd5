import { DmaBufError, ERRNO, LifecycleError, LinkHeldError } from '@dmabuf/core';

/** The device cannot use the format asked for (it silently picked another, or refused). */
export class FormatError extends DmaBufError {
  constructor(message: string, hint: string) {
    super(message, { code: 'EINVAL', hint });
  }
}

/**
 * A stream stopped on an error: the kernel refused a buffer, the device went
 * away, a buffer was torn down while queued. By the time this is thrown the
 * queue is stopped and every buffer is detached; `cause` is the original error.
 */
export class StreamError extends DmaBufError {}

/** The device disappeared (unplugged, driver unbound): every call now fails with ENODEV. */
export class DeviceLostError extends StreamError {
  constructor(device: string, cause?: unknown) {
    super(
      `${typeof device === 'string' ? device : Object.prototype.toString.call(device)} is gone (the device was removed or its driver unbound)`,
      {
        code: 'ENODEV',
        errno: ERRNO.ENODEV,
        hint: 'Close it and open the device again once it is back (V4l2Device.find())',
        cause,
      },
    );
  }
}

/** What to do about a failed stream ioctl, by errno (undefined: nothing specific). */
export function streamErrorHint(errno: number): string | undefined {
  switch (errno) {
    case ERRNO.EINVAL:
      return 'The kernel could not import the buffer: is it a real dma-buf at least as large as the plane (sizeimage), and the fd open?';
    case ERRNO.EBADF:
      return 'The buffer fd was closed; keep the DmaBuf alive while it is queued';
    case ERRNO.EIO:
      return 'The device reported an error; restart the stream';
    case ERRNO.EPIPE:
      return 'The stream was stopped or is at its end';
    default:
      return undefined;
  }
}

/** A link runs the queue's frames in native code: the queue's own JS calls are refused meanwhile. */
export function linkRuns(queue: string, link: string): LinkHeldError {
  return new LinkHeldError(`${queue}: ${link} runs this queue`, {
    code: 'EBUSY',
    hint: 'Stop the link first (await link.stop())',
  });
}

/** The queue cannot be linked now. */
export function notLinkable(
  queue: string,
  link: string | undefined,
  state: string,
  queued: number,
): LifecycleError {
  const why = link
    ? `${link} runs it`
    : state !== 'idle'
      ? `the queue is ${state}`
      : `${queued} buffer(s) are queued`;
  return new LifecycleError(`${queue} cannot be linked: ${why}`, {
    code: 'EBUSY',
    hint: 'Link a queue that is not streaming (queue.stop({ keepAttached: true }) first) with its buffers attached, not queued',
  });
}
