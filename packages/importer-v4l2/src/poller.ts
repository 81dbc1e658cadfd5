import { SystemError } from '@dmabuf/core';
import { check } from '@dmabuf/core/driver';
import { type RawPoller, v4l2 } from './native.js';

const noop = () => {};

interface Waiter {
  events: number;
  owner: object | undefined;
  resolve: (events: number) => void;
  reject: (e: unknown) => void;
  cleanup: () => void;
}

/**
 * Readiness of one device fd through libuv (one uv_poll per fd: libuv does
 * not allow two on the same fd, so the queues of an M2M device share it).
 * `wait()` resolves with the events seen; an AbortSignal cancels the wait.
 */
export class FdPoller {
  readonly #fd: number;
  readonly #label: string;
  readonly #waiters = new Set<Waiter>();
  #raw: RawPoller | undefined;
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
   * Wait for `events`. `owner` tags the wait so `cancel(owner, reason)` can end
   * it without an AbortSignal (the hot path of a stream: no listener per frame).
   */
  wait(events: number, signal?: AbortSignal, owner?: object): Promise<number> {
    if (this.#closed)
      return Promise.reject(new SystemError(`${this.#label}: the device is closed`, 9, 'poll'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<number>((resolve, reject) => {
      const w: Waiter = { events, owner, resolve, reject, cleanup: noop };
      if (signal) {
        const onAbort = () => {
          this.#waiters.delete(w);
          reject(signal.reason);
        };
        w.cleanup = () => signal.removeEventListener('abort', onAbort);
        signal.addEventListener('abort', onAbort, { once: true });
      }
      this.#waiters.add(w);
      try {
        this.#rearm();
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
  }

  /**
   * Disarm now if nobody waits. Queues call this when they stop: polling a
   * capture fd whose queue has no buffers makes vb2 start its read()
   * emulator, which takes the queue over (REQBUFS then fails with EBUSY).
   */
  quiesce(): void {
    if (this.#waiters.size === 0 && this.#armed !== 0) this.#disarm();
  }

  /** Stop watching; pending waits reject with `reason`. */
  close(reason?: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#armed = 0;
    this.#raw?.close();
    this.#raw = undefined;
    const err = reason ?? new SystemError(`${this.#label}: the device was closed while waiting`, 9, 'poll');
    for (const w of [...this.#waiters]) {
      this.#waiters.delete(w);
      w.cleanup();
      w.reject(err);
    }
  }

  /**
   * Watch for the union of the waiters' events. With no waiter left the
   * watch stays armed until it next fires (lazy disarm): a consumer that
   * waits again right after each frame costs no epoll_ctl per frame.
   */
  #rearm(): void {
    let events = 0;
    for (const w of this.#waiters) events |= w.events;
    if (events === 0 || events === this.#armed) return;
    this.#raw ??= new (v4l2().Poller)(this.#fd, (status, revents) => this.#onEvent(status, revents));
    check(
      this.#raw.start(events | v4l2().poll.DISCONNECT),
      'uv_poll_start',
      `${this.#label}: cannot watch the device for readiness`,
    );
    this.#armed = events;
  }

  #disarm(): void {
    this.#raw?.stop();
    this.#armed = 0;
  }

  #onEvent(status: number, revents: number): void {
    if (this.#waiters.size === 0) {
      this.#disarm(); // nobody waits: stop before a level-triggered fd spins the loop
      return;
    }
    const hit = [...this.#waiters].filter(
      (w) => status < 0 || (revents & (w.events | v4l2().poll.DISCONNECT)) !== 0,
    );
    for (const w of hit) {
      this.#waiters.delete(w);
      w.cleanup();
      if (status < 0)
        w.reject(new SystemError(`${this.#label}: waiting for a buffer failed`, -status, 'poll'));
      else w.resolve(revents);
    }
    if (status < 0) this.#disarm();
    if (!this.#closed && this.#waiters.size > 0) this.#rearm();
  }
}
