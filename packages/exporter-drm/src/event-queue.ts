import { DrmError } from './errors.js';
import { drmNative, type RawEvent, type WatchHandle } from './native.js';

/** A completed page flip (or vblank) as the kernel reported it. */
export interface DrmEvent {
  type: RawEvent['type'];
  /** The CRTC's frame counter at completion. */
  sequence: number;
  /** Kernel timestamp of the completion, in milliseconds. */
  timeMs: number;
  crtcId: number;
}

interface Waiter {
  resolve: (e: DrmEvent) => void;
  reject: (e: Error) => void;
}

/**
 * Events of one DRM fd: a libuv poll on the fd (never blocking JS) dispatches
 * each event to the Promise waiting for its user_data. The poll keeps the
 * process alive only while something waits.
 */
export class DrmEventQueue {
  readonly #fd: number;
  readonly #label: string;
  readonly #waiters = new Map<number, Waiter>();
  #watch: WatchHandle | undefined;
  #refd = false;
  #unrefLater: ReturnType<typeof setImmediate> | undefined;
  #nextToken = 1;
  #closed = false;

  constructor(fd: number, label: string) {
    this.#fd = fd;
    this.#label = label;
  }

  /** Events waited for and not yet arrived. */
  get pending(): number {
    return this.#waiters.size;
  }

  /** A token to pass as user_data, and the Promise of its event. */
  expect(): { token: number; done: Promise<DrmEvent> } {
    if (this.#closed)
      throw new DrmError(this.#label, 'the device is closed', {
        code: 'EBADF',
        hint: 'Open the device again',
      });
    this.#start();
    const token = this.#nextToken++;
    if (this.#nextToken > 0x7fffffff) this.#nextToken = 1;
    const done = new Promise<DrmEvent>((resolve, reject) => this.#waiters.set(token, { resolve, reject }));
    // Marked handled here; callers still see the rejection when they await it.
    done.catch(() => {});
    this.#ref();
    return { token, done };
  }

  /** The submit failed: nobody will see this event. */
  cancel(token: number): void {
    this.#waiters.delete(token);
    this.#ref();
  }

  /** Stop polling; waiters still pending are rejected (ECANCELED). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#unrefLater) clearImmediate(this.#unrefLater);
    this.#unrefLater = undefined;
    if (this.#watch) drmNative().unwatch(this.#watch);
    this.#watch = undefined;
    const err = new DrmError(this.#label, 'the device was closed before the page flip completed', {
      code: 'ECANCELED',
      hint: 'Await flips before closing',
    });
    for (const w of this.#waiters.values()) w.reject(err);
    this.#waiters.clear();
  }

  #start(): void {
    if (this.#watch) return;
    const w = drmNative().watch(this.#fd, (events) => this.#dispatch(events));
    if (typeof w === 'number') {
      throw new DrmError(this.#label, `cannot poll the device for events (uv error ${w})`, {
        code: 'EIO',
        hint: 'Check that the device fd is open',
      });
    }
    this.#watch = w;
  }

  /**
   * Keep the process alive while something waits. Letting go is deferred to
   * the end of this turn of the event loop: a program that flips again as
   * soon as a flip completed (a render loop) never drops and retakes the
   * reference, which would be two native calls per flip.
   */
  #ref(): void {
    const want = this.#waiters.size > 0;
    if (!this.#watch || want === this.#refd) return;
    if (want) {
      this.#refd = true;
      drmNative().refWatch(this.#watch, true);
      return;
    }
    if (this.#unrefLater) return;
    this.#unrefLater = setImmediate(() => {
      this.#unrefLater = undefined;
      if (this.#watch && this.#refd && this.#waiters.size === 0) {
        this.#refd = false;
        drmNative().refWatch(this.#watch, false);
      }
    });
    // the deferral itself must not keep the process alive
    this.#unrefLater.unref();
  }

  #dispatch(events: RawEvent[] | number): void {
    if (typeof events === 'number') {
      const err = new DrmError(this.#label, `reading events failed (errno ${-events})`, {
        code: 'EIO',
        hint: 'The device may be gone',
      });
      for (const w of this.#waiters.values()) w.reject(err);
      this.#waiters.clear();
      this.#ref();
      return;
    }
    for (const e of events) {
      const w = this.#waiters.get(e.userData);
      if (!w) continue;
      this.#waiters.delete(e.userData);
      w.resolve({
        type: e.type,
        sequence: e.sequence,
        timeMs: e.sec * 1000 + e.usec / 1000,
        crtcId: e.crtcId,
      });
    }
    this.#ref();
  }
}
