/**
 * @internal Wakes the waits for a buffer to come back to an empty queue
 * (a frame requeued, or the stream stopped).
 */
export class RequeueSignal {
  readonly #waiters = new Set<() => void>();

  /** Wake every wait. */
  wake(): void {
    if (this.#waiters.size) for (const wake of [...this.#waiters]) wake();
  }

  /** Resolves at the next wake(); rejects with the signal's reason when it aborts. */
  wait(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const done = () => {
        this.#waiters.delete(done);
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.#waiters.delete(done);
        reject(signal.reason);
      };
      this.#waiters.add(done);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
