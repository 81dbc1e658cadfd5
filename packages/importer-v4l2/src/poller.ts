import { ERRNO, SystemError } from '@dmabuf/core';
import { FdWatcher, POLL_BITS } from '@dmabuf/core/driver';

const noop = () => {};
const { EBADF, ECANCELED, EIO } = ERRNO;

interface Waiter {
  events: number;
  owner: object | undefined;
  resolve: (events: number) => void;
  reject: (e: unknown) => void;
  cleanup: () => void;
}

/**
 * Readiness of one device fd, for several waiters (the queues of an M2M
 * device share their fd): one wait at a time of core's watcher (`FdWatcher`,
 * libuv on a duplicate of the fd) for the union of the waiters' events.
 * `wait()` resolves with the POLL_BITS seen; an AbortSignal cancels the wait.
 */
export class FdPoller {
  readonly #fd: number;
  readonly #label: string;
  readonly #waiters = new Set<Waiter>();
  #watcher: FdWatcher | undefined;
  /** Events of the watcher's wait in flight (0: none). */
  #armed = 0;
  #closed = false;

  constructor(fd: number, label: string) {
    this.#fd = fd;
    this.#label = label;
  }

  get waiting(): number {
    return this.#waiters.size;
  }

  /**
   * Wait for `events` (POLL_BITS READABLE, WRITABLE, PRIORITY; a hang-up ends
   * every wait). `owner` tags the wait so `cancel(owner, reason)` can end it
   * without an AbortSignal (the hot path of a stream: no listener per frame).
   */
  wait(events: number, signal?: AbortSignal, owner?: object): Promise<number> {
    if (this.#closed)
      return Promise.reject(new SystemError(`${this.#label}: the device is closed`, EBADF, 'poll'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<number>((resolve, reject) => {
      const w: Waiter = { events, owner, resolve, reject, cleanup: noop };
      if (signal) {
        const onAbort = () => {
          this.#waiters.delete(w);
          reject(signal.reason);
          this.#release();
        };
        w.cleanup = () => signal.removeEventListener('abort', onAbort);
        signal.addEventListener('abort', onAbort, { once: true });
      }
      this.#waiters.add(w);
      try {
        this.#arm();
      } catch (e) {
        this.#waiters.delete(w);
        w.cleanup();
        reject(e);
      }
    });
  }

  /** End the waits of `owner` with `reason`. */
  cancel(owner: object, reason: unknown): void {
    for (const w of [...this.#waiters]) {
      if (w.owner !== owner) continue;
      this.#waiters.delete(w);
      w.cleanup();
      w.reject(reason);
    }
    this.#release();
  }

  /**
   * Stop watching now if nobody waits. Queues call this when they stop:
   * polling a capture fd whose queue has no buffers makes vb2 start its
   * read() emulator, which takes the queue over (REQBUFS then fails with EBUSY).
   */
  quiesce(): void {
    if (this.#waiters.size !== 0 || !this.#watcher) return;
    if (this.#armed !== 0) this.#watcher.cancel();
    this.#watcher.pause();
  }

  /** Stop watching; pending waits reject with `reason`. */
  close(reason?: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#armed = 0;
    this.#rejectAll(
      reason ?? new SystemError(`${this.#label}: the device was closed while waiting`, EBADF, 'poll'),
    );
  }

  /**
   * Watch for the union of the waiters' events: one wait of the watcher at a
   * time, its events changed in place when the union changes. Between waits
   * the watch stays in the loop's epoll set (unreferenced) until it fires
   * with nobody waiting: a consumer that waits again right after each frame
   * costs no epoll_ctl per frame.
   */
  #arm(): void {
    let events = 0;
    for (const w of this.#waiters) events |= w.events;
    if (events === 0 || this.#closed) return;
    // the device's own fd (no duplicate: fd counts stay the device's); close() comes before the device's
    this.#watcher ??= new FdWatcher(this.#fd, `${this.#label}: waiting for the device`, { borrow: true });
    if (this.#armed !== 0) {
      if (events !== this.#armed) this.#watcher.setEvents(events);
      this.#armed = events;
      return;
    }
    const pending = this.#watcher.wait(events);
    this.#armed = events;
    pending.then(
      (bits) => this.#onReady(bits),
      (e: unknown) => this.#onReady(-((e as { errno?: number }).errno ?? EIO)),
    );
  }

  /** Nobody waits any more: end the watcher's wait (it no longer keeps the process alive). */
  #release(): void {
    if (this.#waiters.size === 0 && this.#armed !== 0) this.#watcher?.cancel();
  }

  #onReady(bits: number): void {
    this.#armed = 0;
    if (this.#closed) return;
    if (bits === -ECANCELED) {
      this.#rearm(); // #release() or quiesce(): waits again only if someone does
      return;
    }
    if (bits < 0 || (bits & POLL_BITS.ERROR) !== 0) {
      // POLLERR (a queue with nothing to dequeue, a device gone) or a libuv error
      const errno = bits < 0 ? -bits : EBADF;
      this.#rejectAll(new SystemError(`${this.#label}: waiting for a buffer failed`, errno, 'poll'));
      return;
    }
    for (const w of [...this.#waiters]) {
      if ((bits & (w.events | POLL_BITS.HANGUP)) === 0) continue;
      this.#waiters.delete(w);
      w.cleanup();
      w.resolve(bits);
    }
    this.#rearm();
  }

  #rearm(): void {
    try {
      this.#arm();
    } catch (e) {
      this.#rejectAll(e);
    }
  }

  #rejectAll(err: unknown): void {
    for (const w of [...this.#waiters]) {
      this.#waiters.delete(w);
      w.cleanup();
      w.reject(err);
    }
  }
}
