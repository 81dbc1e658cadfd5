import type { DmaBufError } from '../errors.js';
import { abortError, type PollOptions, timeoutError } from '../poll.js';

/** Someone waiting for a T (a received message, an accepted peer). */
export interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** How a wait is named in its errors, and what to do when it is taken off its list early. */
export interface WaitSpec {
  /** 'receive on channel peer …': names the wait in ETIMEDOUT / ABORT_ERR errors. */
  what: string;
  /** The ETIMEDOUT error's hint. */
  timeoutHint: string;
  /** Called after a timeout or an abort took a waiter off the list (e.g. stop polling if nobody waits). */
  dropped(): void;
}

/**
 * Put a waiter on `list` and return its promise; whoever serves the list
 * settles it (shift + resolve/reject). With options.timeoutMs or
 * options.signal it also settles itself: off the list, rejected with
 * ETIMEDOUT or ABORT_ERR (cause = the signal's reason), then spec.dropped().
 * `make` builds the waiter from the promise's settle functions (a list may
 * carry waiters with more fields than resolve/reject). Shared by
 * ChannelReceiver (receive) and ChannelServer (accept).
 */
export function addWaiter<T, W extends Waiter<T>>(
  list: W[],
  make: (resolve: (value: T) => void, reject: (error: unknown) => void) => W,
  options: PollOptions,
  spec: WaitSpec,
): Promise<T> {
  const { signal, timeoutMs } = options;
  if (signal?.aborted) return Promise.reject(abortError(spec.what, signal));
  if (!signal && timeoutMs === undefined) {
    return new Promise<T>((resolve, reject) => {
      list.push(make(resolve, reject));
    });
  }
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const w = make(
      (value) => {
        done();
        resolve(value);
      },
      (error) => {
        done();
        reject(error);
      },
    );
    const drop = (e: DmaBufError) => {
      const i = list.indexOf(w);
      if (i < 0) return;
      list.splice(i, 1);
      w.reject(e);
      spec.dropped();
    };
    const onAbort = () => drop(abortError(spec.what, signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined)
      timer = setTimeout(() => drop(timeoutError(spec.what, timeoutMs, spec.timeoutHint)), timeoutMs);
    list.push(w);
  });
}
