import { SystemError } from './errors.js';
import { native } from './native.js';
import { pollHint } from './poll.js';

/**
 * @internal A readiness watcher that calls back instead of resolving a
 * promise: `onReady(bits)` runs straight from libuv's callback, once per
 * arm() (bits: POLL_BITS, or -errno). For a reader woken for every message
 * (a channel peer in request/reply traffic), where a promise per wakeup and
 * the async function resumed by it are most of the cost of a wakeup. Like
 * FdWatcher it watches a duplicate of fd, stays set up between waits and,
 * when not armed, never keeps the event loop alive.
 */
export class ReadyWatcher {
  #id: number;
  readonly #what: string;

  /** Watch (a duplicate of) `fd`, an open fd the caller has checked; `what` names it in errors. */
  constructor(fd: number, what: string, onReady: (bits: number) => void) {
    const id = native().watcherOpen(fd, false);
    if (id < 0)
      throw new SystemError(`${what}: cannot watch fd ${fd}`, -id, 'uv_poll_init', pollHint(-id, fd));
    native().watcherListen(id, onReady);
    this.#id = id;
    this.#what = what;
  }

  /** Call onReady once, at the next readiness for `events` (POLL_BITS; hang-ups and errors too). */
  arm(events: number): void {
    const rc = this.#id ? native().watcherArm(this.#id, events) : -9;
    if (rc < 0) throw new SystemError(`${this.#what}: cannot wait`, -rc, 'uv_poll_start');
  }

  /** Disarm: onReady is not called for this arm. */
  cancel(): void {
    if (this.#id) native().watcherCancel(this.#id);
  }

  /** Leave the event loop's epoll set until the next arm() (no-op while armed); see FdWatcher.pause. */
  pause(): void {
    if (this.#id) native().watcherPause(this.#id);
  }

  /** Disarm, stop and close the duplicate fd at once. */
  close(): void {
    if (!this.#id) return;
    native().watcherClose(this.#id);
    this.#id = 0;
  }
}
