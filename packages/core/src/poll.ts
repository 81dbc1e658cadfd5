import { ERRNO } from './errno.js';
import { DmaBufError, invalidArgument, SystemError, text } from './errors.js';
import { native } from './native.js';
import { assertFd, assertOneOf } from './validate.js';

/** What to wait for: readable (`in`), writable (`out`) or either (`inout`). */
export type PollEvents = 'in' | 'out' | 'inout';

/** Every PollEvents value. */
export const POLL_EVENTS: readonly PollEvents[] = ['in', 'out', 'inout'];

/** How long a wait may take: a timeout (ETIMEDOUT) and an abort signal. */
export interface PollOptions {
  /** Give up after this many milliseconds (ETIMEDOUT). Default: wait forever. */
  timeoutMs?: number;
  /** Abort the wait (ABORT_ERR, cause = signal.reason). */
  signal?: AbortSignal;
}

/** What the fd reported when the wait ended. */
export interface PollResult {
  /** POLLIN: data to read; for a dma-buf, no writer is pending (safe to read); for a sync_file, signalled. */
  readable: boolean;
  /** POLLOUT: room to write; for a dma-buf, no fence is pending at all (safe to write). */
  writable: boolean;
  /** POLLERR: e.g. a sync_file whose fence signalled with an error. */
  error: boolean;
  /** POLLHUP / POLLRDHUP: the other end is gone. */
  hangup: boolean;
}

/**
 * Readiness bits of the native watcher (core's `pollBits`, `dmabuf::k*` in
 * native/include/dmabuf/watch.h): what `FdWatcher.wait` resolves with.
 */
export const POLL_BITS = Object.freeze({
  /** POLLIN: data to read (a V4L2 capture buffer done, a DRM event, a message). */
  READABLE: 1,
  /** POLLOUT: room to write (a V4L2 output buffer free again). */
  WRITABLE: 2,
  /** POLLERR: the fd reports an error (a V4L2 queue with nothing to dequeue, a device gone). */
  ERROR: 4,
  /** POLLHUP / POLLRDHUP: the other end is gone. */
  HANGUP: 8,
  /** POLLPRI: an exceptional condition (a V4L2 event to dequeue). */
  PRIORITY: 16,
});

const EVENT_BITS: Record<PollEvents, number> = { in: 1, out: 2, inout: 3 };
const WATCHABLE = POLL_BITS.READABLE | POLL_BITS.WRITABLE | POLL_BITS.PRIORITY;
const { EBADF, ECANCELED, EMFILE, EPERM, ETIMEDOUT } = ERRNO;
const MAX_TIMEOUT = 2 ** 31 - 1;
/** The elements of a listening watcher's flags (native watcherListen): WANTED is ours, ARMED the watcher's (0, ARMED_NOW, or 2: in a call). */
const WANTED = 0;
const ARMED = 1;
const ARMED_NOW = 1;

let nextId = 1;

/** @internal bits → PollResult (shared with the channel's fast path). */
export function pollResult(bits: number): PollResult {
  const b = native().pollBits;
  return {
    readable: (bits & b.READABLE) !== 0,
    writable: (bits & b.WRITABLE) !== 0,
    error: (bits & b.ERROR) !== 0,
    hangup: (bits & b.HANGUP) !== 0,
  };
}

function pollHint(errno: number, fd: number): string | undefined {
  if (errno === EPERM)
    return `fd ${fd} cannot be polled (a regular file, a memfd or a directory never blocks); poll sockets, pipes, dma-bufs and sync_files`;
  if (errno === EBADF) return 'Pass an open file descriptor';
  if (errno === EMFILE)
    return 'The process is out of file descriptors (each wait holds a duplicate until it ends): close unused fds or raise the limit (ulimit -n)';
  return undefined;
}

/**
 * @internal Start a wait and give back its promise of raw bits (or -errno).
 * Throws SystemError when the wait cannot start.
 */
export function startPoll(
  fd: number,
  events: PollEvents,
  timeoutMs: number,
  id: number,
  what: string,
): Promise<number> {
  const p = native().poll(fd, EVENT_BITS[events], timeoutMs, id);
  if (typeof p === 'number') {
    const errno = -p;
    throw new SystemError(`${what}: cannot wait for fd ${fd}`, errno, 'uv_poll_init', pollHint(errno, fd));
  }
  return p;
}

/**
 * The readiness watcher of dmabuf-js, for driver packages
 * (`@dmabuf/core/driver`) and the channel: a wait that stays set up between
 * waits on one fd (a duplicate of it, polled through libuv; the native side
 * is `dmabuf::Watch`), for an fd waited on again and again (a socket, a
 * V4L2 or DRM device). One wait at a time; idle, it never keeps the event
 * loop alive.
 */
export class FdWatcher {
  #id: number;
  readonly #what: string;
  /** Shared with the native watcher once listen() was called: [WANTED, ARMED]. */
  #flags: Int32Array | undefined;
  /** The events of the last arm(). */
  #armedEvents = 0;

  /**
   * Watch `fd`: a duplicate of it, so closing fd meanwhile is safe; `what`
   * names it in errors. With `borrow`, fd itself (no extra fd open while the
   * watcher lives, one watcher per fd): the owner of fd must close() the
   * watcher before it closes fd (a device that owns its watcher).
   */
  constructor(fd: number, what: string, options: { borrow?: boolean } = {}) {
    assertFd('fd', fd);
    if (typeof what !== 'string') throw invalidArgument('what', 'a string naming the fd', what);
    if (typeof options !== 'object' || options === null)
      throw invalidArgument('options', 'an object', options);
    const { borrow = false } = options;
    if (typeof borrow !== 'boolean') throw invalidArgument('options.borrow', 'a boolean', borrow);
    const id = native().watcherOpen(fd, borrow);
    if (id < 0)
      throw new SystemError(`${what}: cannot watch fd ${fd}`, -id, 'uv_poll_init', pollHint(-id, fd));
    this.#id = id;
    this.#what = what;
  }

  /**
   * Wait for `events` ('in', 'out', 'inout', or POLL_BITS READABLE |
   * WRITABLE | PRIORITY); hang-ups and errors end a wait too. Resolves with
   * POLL_BITS or -errno (-ECANCELED after cancel()/close()). Throws when the
   * wait cannot start (EBUSY: a wait is pending already; EBADF: closed).
   */
  wait(events: PollEvents | number): Promise<number> {
    const p = native().watcherWait(this.#id, this.#bits(events));
    if (typeof p === 'number') throw new SystemError(`${this.#what}: cannot wait`, -p, 'uv_poll_start');
    return p;
  }

  /** Change what the pending wait (or the next) watches for, without ending it. */
  setEvents(events: PollEvents | number): void {
    if (!this.#id) return;
    const rc = native().watcherSetEvents(this.#id, this.#bits(events));
    if (rc < 0) throw new SystemError(`${this.#what}: cannot watch`, -rc, 'uv_poll_start');
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#id === 0;
  }

  #bits(events: PollEvents | number): number {
    if (typeof events === 'number' && Number.isInteger(events) && events > 0 && (events & ~WATCHABLE) === 0)
      return events;
    if (typeof events === 'string' && Object.hasOwn(EVENT_BITS, events)) return EVENT_BITS[events];
    throw invalidArgument(
      'events',
      "'in', 'out', 'inout' or POLL_BITS (READABLE | WRITABLE | PRIORITY)",
      events,
    );
  }

  /**
   * @internal For a reader woken for every message (a channel peer): while
   * armed, call onReady(POLL_BITS, or -errno) straight from libuv's callback
   * at each readiness, with no promise and no async function to resume (see
   * native watcherListen/watcherArm). One kind of wait at a time: wait()
   * refuses while armed (EBUSY), and the reverse.
   */
  listen(onReady: (bits: number) => void): void {
    // its own ArrayBuffer: the native watcher keeps a pointer to the elements
    const flags = this.#flags ?? new Int32Array(new ArrayBuffer(8));
    const rc = this.#id ? native().watcherListen(this.#id, onReady, flags) : -9;
    if (rc < 0) throw new SystemError(`${this.#what}: cannot watch`, -rc, 'uv_poll_start');
    this.#flags = flags;
  }

  /**
   * @internal Call the listen() function at each readiness for `events`
   * (POLL_BITS) until idle(); arming again with other events changes them.
   * Arming an armed watcher with the same events costs no native call: a
   * reader that waits again from within onReady's call (or a promise
   * continuation it ran) stays armed for free.
   */
  arm(events: number): void {
    const flags = this.#flags;
    if (flags !== undefined) {
      flags[WANTED] = 1;
      if (flags[ARMED] !== 0 && events === this.#armedEvents) return;
    }
    const rc = this.#id ? native().watcherArm(this.#id, events) : -9;
    if (rc < 0) throw new SystemError(`${this.#what}: cannot wait`, -rc, 'uv_poll_start');
    this.#armedEvents = events;
  }

  /** @internal Whether arm() holds (it keeps the event loop alive meanwhile). */
  get armed(): boolean {
    return this.#flags !== undefined && this.#flags[ARMED] !== 0;
  }

  /**
   * @internal No more calls wanted: disarm now, or, within onReady's call,
   * once it and the microtasks it ran have returned, unless arm() came
   * meanwhile.
   */
  idle(): void {
    const flags = this.#flags;
    if (flags === undefined) return;
    flags[WANTED] = 0;
    if (flags[ARMED] === ARMED_NOW && this.#id) native().watcherCancel(this.#id);
  }

  /** End the pending wait now: it resolves -ECANCELED (an armed watcher is disarmed, with no call). */
  cancel(): void {
    if (this.#id) native().watcherCancel(this.#id);
  }

  /**
   * Stop watching until the next wait() (no-op while one is pending; an
   * arm() ends, with no call): for a reader draining a stream, so that the
   * writer does not run an epoll callback for every message it sends
   * meanwhile.
   */
  pause(): void {
    if (this.#id) native().watcherPause(this.#id);
  }

  /** Cancel, stop and close the duplicate fd at once. */
  close(): void {
    if (!this.#id) return;
    native().watcherClose(this.#id);
    this.#id = 0;
  }
}

/** @internal Stop the wait started with this id (startPoll): it resolves -ECANCELED. */
export function cancelPoll(id: number): void {
  native().pollCancel(id);
}

/** @internal a fresh id for cancelPoll. */
export function nextPollId(): number {
  const id = nextId;
  nextId = nextId >= 0xffff_fff0 ? 1 : nextId + 1;
  return id;
}

/** The error an aborted wait rejects with: code ABORT_ERR, cause = the signal's reason. */
export function abortError(what: string, signal: AbortSignal): DmaBufError {
  return new DmaBufError(`${text(what)} was aborted`, { code: 'ABORT_ERR', cause: signal?.reason });
}

/** The error a wait that ran out of time rejects with: code ETIMEDOUT. */
export function timeoutError(what: string, timeoutMs: number, hint?: string): DmaBufError {
  return new DmaBufError(`${text(what)} timed out after ${text(timeoutMs)} ms`, {
    code: 'ETIMEDOUT',
    errno: ETIMEDOUT,
    hint:
      typeof hint === 'string'
        ? hint
        : 'Raise timeoutMs, or check that the other side (device, fence or peer) makes progress',
  });
}

/** @internal validate PollOptions. */
export function checkPollOptions(options: PollOptions): void {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  const t = options.timeoutMs;
  if (t !== undefined && (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > MAX_TIMEOUT)) {
    throw invalidArgument('options.timeoutMs', `a number of milliseconds between 0 and ${MAX_TIMEOUT}`, t);
  }
  const s = options.signal;
  if (s !== undefined && !(s instanceof AbortSignal))
    throw invalidArgument('options.signal', 'an AbortSignal', s);
}

/**
 * Wait until fd is readable ('in'), writable ('out') or either ('inout'),
 * through libuv: the JS thread never blocks. Errors and hang-ups end the wait
 * too (see the result's flags). A timeout rejects with code ETIMEDOUT, an
 * abort with code ABORT_ERR (cause = signal.reason); either way the libuv
 * handle is stopped and closed at once.
 *
 * The wait watches its own duplicate of fd, so closing fd meanwhile is safe.
 * Like every libuv poll, it puts the open file in O_NONBLOCK mode.
 */
export function pollFd(fd: number, events: PollEvents, options: PollOptions = {}): Promise<PollResult> {
  assertFd('fd', fd);
  assertOneOf('events', events, POLL_EVENTS);
  checkPollOptions(options);
  return waitFd(fd, events, options, `poll(fd ${fd}, '${events}')`);
}

/** @internal pollFd without argument checks; `what` names the wait in errors. */
export async function waitFd(
  fd: number,
  events: PollEvents,
  options: PollOptions,
  what: string,
  timeoutHint?: string,
): Promise<PollResult> {
  const { signal } = options;
  const timeoutMs = options.timeoutMs ?? -1;
  if (signal?.aborted) throw abortError(what, signal);
  const id = signal ? nextPollId() : 0;
  const pending = startPoll(fd, events, timeoutMs, id, what);
  const onAbort = () => native().pollCancel(id);
  signal?.addEventListener('abort', onAbort, { once: true });
  let bits: number;
  try {
    bits = await pending;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (bits >= 0) return pollResult(bits);
  const errno = -bits;
  if (errno === ETIMEDOUT) throw timeoutError(what, timeoutMs, timeoutHint);
  if (errno === ECANCELED && signal?.aborted) throw abortError(what, signal);
  throw new SystemError(
    `${what} failed`,
    errno,
    'uv_poll',
    errno === ECANCELED ? 'The environment is shutting down' : undefined,
  );
}
