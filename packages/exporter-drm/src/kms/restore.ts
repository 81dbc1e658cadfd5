/**
 * Screens to put back when the process exits without closing its displays
 * (process.exit(), an uncaught error): one 'exit' listener for them all, each
 * restore a synchronous ioctl.
 */
const pending = new Set<() => void>();
let installed = false;

function restoreAll(): void {
  for (const fn of [...pending]) {
    pending.delete(fn);
    try {
      fn();
    } catch {
      // exiting: nothing left to report to
    }
  }
}

/** Register a restore to run at process exit; returns the function that unregisters it. */
export function restoreOnExit(fn: () => void): () => void {
  if (!installed) {
    process.on('exit', restoreAll);
    installed = true;
  }
  pending.add(fn);
  return () => {
    pending.delete(fn);
  };
}
