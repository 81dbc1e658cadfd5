/**
 * Run the callbacks a device runs as it closes, in order, each once. A throw is collected (the
 * caller reports it after closing); a callback that returns a Promise is not waited for, and its
 * rejection becomes a process warning (code `DMABUF_CLOSE_CALLBACK`) instead of an unhandled
 * rejection that would end the process.
 */
export function runCloseCallbacks(callbacks: Iterable<() => void>, label: string): unknown[] {
  const errors: unknown[] = [];
  for (const fn of callbacks) {
    try {
      const r: unknown = fn();
      if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function')
        (r as PromiseLike<unknown>).then(undefined, (e: unknown) => warnRejected(label, e));
    } catch (e) {
      errors.push(e);
    }
  }
  return errors;
}

function warnRejected(label: string, cause: unknown): void {
  const why = cause instanceof Error ? cause.message : String(cause);
  process.emitWarning(
    `${label}: an onClose callback's Promise rejected after the device closed: ${why}. onClose callbacks run synchronously as the device closes: handle errors inside an async callback.`,
    { code: 'DMABUF_CLOSE_CALLBACK' },
  );
}
