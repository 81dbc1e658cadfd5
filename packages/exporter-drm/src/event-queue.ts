import { ERRNO } from '@dmabuf/core';
import { FdWatcher, POLL_BITS } from '@dmabuf/core/driver';
import { DrmDeviceLostError, DrmError } from './errors.js';
import { drmNative, type RawEvent } from './native.js';

/** A completed page flip (or vblank) as the kernel reported it. */
export interface DrmEvent {
  /** What completed: 'flip' (a page flip), 'vblank', 'sequence' (a CRTC sequence event), or 'unknown'. */
  type: RawEvent['type'];
  /** The CRTC's frame counter at completion. */
  sequence: number;
  /** Kernel timestamp of the completion, in milliseconds. */
  timeMs: number;
  /** The CRTC it happened on. */
  crtcId: number;
}

interface Waiter {
  resolve: (e: DrmEvent) => void;
  reject: (e: Error) => void;
}

const { ECANCELED, EIO, ENODEV } = ERRNO;

/**
 * Events of one DRM fd: core's readiness watcher (`FdWatcher`, libuv on a
 * duplicate of the fd; never blocking JS) waits while an event is expected,
 * then the events read are dispatched to the Promise waiting for each
 * user_data. The watch keeps the process alive only while something waits.
 */
export class DrmEventQueue {
  readonly #fd: number;
  readonly #label: string;
  readonly #waiters = new Map<number, Waiter>();
  #watcher: FdWatcher | undefined;
  #waiting = false;
  #nextToken = 1;
  #closed = false;
  #pausedBy: string | undefined;

  constructor(fd: number, label: string) {
    this.#fd = fd;
    this.#label = label;
  }

  /** Events waited for and not yet arrived. */
  get pending(): number {
    return this.#waiters.size;
  }

  /**
   * Stop reading events for a while: a link reads the flip events of this
   * fd in native code. Refused while events are awaited.
   */
  pause(by: string): void {
    if (this.#waiters.size > 0 || this.#pausedBy)
      throw new DrmError(
        this.#label,
        `cannot hand the events to ${by}: ${this.#pausedBy ?? `${this.#waiters.size} flip(s) pending`}`,
        {
          code: 'EBUSY',
          hint: 'Await every pending flip (and stop any other link) first',
        },
      );
    // the link's engine watches the fd meanwhile: ours leaves the loop (it is made again by the next expect())
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#waiting = false;
    this.#pausedBy = by;
  }

  /** The link reading this fd's events now, if any. */
  get pausedBy(): string | undefined {
    return this.#pausedBy;
  }

  /** Read events again (the watch starts with the next expect()). */
  resume(): void {
    this.#pausedBy = undefined;
  }

  /** A token to pass as user_data, and the Promise of its event. */
  expect(): {
    /** The user_data to give the flip (or vblank) ioctl; it names the event when it comes. */
    token: number;
    /** Resolves with the event; rejects with DrmError ECANCELED if the queue is closed first. */
    done: Promise<DrmEvent>;
  } {
    if (this.#pausedBy)
      throw new DrmError(this.#label, `${this.#pausedBy} runs this display's page flips`, {
        code: 'EBUSY',
        hint: 'Stop the link first (await link.stop())',
      });
    if (this.#closed)
      throw new DrmError(this.#label, 'the device is closed', {
        code: 'EBADF',
        hint: 'Open the device again',
      });
    this.#watcher ??= this.#open();
    const token = this.#nextToken++;
    if (this.#nextToken > 0x7fffffff) this.#nextToken = 1;
    const done = new Promise<DrmEvent>((resolve, reject) => this.#waiters.set(token, { resolve, reject }));
    // Marked handled here; callers still see the rejection when they await it.
    done.catch(() => {});
    this.#wait();
    return { token, done };
  }

  /** The submit failed: nobody will see this event. */
  cancel(token: number): void {
    this.#waiters.delete(token);
    // nothing left to wait for: let the process exit (the wait resolves -ECANCELED)
    if (this.#waiters.size === 0 && this.#waiting) this.#watcher?.cancel();
  }

  /** Stop watching; waiters still pending are rejected (ECANCELED). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = undefined;
    const err = new DrmError(this.#label, 'the device was closed before the page flip completed', {
      code: 'ECANCELED',
      hint: 'Await flips before closing',
    });
    this.#rejectAll(err);
  }

  #open(): FdWatcher {
    try {
      // the device's own fd (no duplicate); DrmDevice.close() closes this queue before its fd
      return new FdWatcher(this.#fd, `${this.#label}: waiting for DRM events`, { borrow: true });
    } catch (cause) {
      throw new DrmError(this.#label, 'cannot poll the device for events', {
        code: (cause as { code?: string }).code ?? 'EIO',
        hint: 'Check that the device fd is open',
        cause,
      });
    }
  }

  /** One wait at a time, while somebody waits. */
  #wait(): void {
    if (this.#waiting || this.#closed || this.#waiters.size === 0 || !this.#watcher) return;
    this.#waiting = true;
    const watcher = this.#watcher;
    watcher.wait(POLL_BITS.READABLE).then(
      (bits) => this.#onReady(watcher, bits),
      (e: unknown) => this.#onReady(watcher, -((e as { errno?: number }).errno ?? EIO)),
    );
  }

  #onReady(watcher: FdWatcher, bits: number): void {
    if (watcher !== this.#watcher) return; // closed by pause(): a later watcher has its own wait
    this.#waiting = false;
    if (this.#closed) return;
    if (bits === -ECANCELED) {
      this.#wait(); // cancel(): waits again only if someone expects
      return;
    }
    const events = bits < 0 ? bits : drmNative().readEvents(this.#fd);
    if (typeof events === 'number') {
      this.#rejectAll(
        events === -ENODEV
          ? new DrmDeviceLostError(this.#label, 'reading events failed', 'read')
          : new DrmError(this.#label, `reading events failed (errno ${-events})`, {
              code: 'EIO',
              hint: 'The device may be gone',
            }),
      );
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
    this.#wait();
  }

  #rejectAll(err: Error): void {
    for (const w of this.#waiters.values()) w.reject(err);
    this.#waiters.clear();
  }
}
