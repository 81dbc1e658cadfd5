/**
 * Screens to put back when the process ends without closing its displays:
 * process.exit() or an uncaught error ('exit'), and SIGINT/SIGTERM/SIGHUP
 * when the application has no handler of its own for the signal (the
 * default action would kill the process without any 'exit'). Each restore is
 * a synchronous ioctl. Signal handlers are installed only while a display
 * has something to restore, and the signal is raised again afterwards, so
 * the process ends as it would have.
 */
const pending = new Set<() => void>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type Sig = (typeof SIGNALS)[number];
let exitInstalled = false;
let signalsInstalled = false;

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

const handlers = new Map<Sig, () => void>(
  SIGNALS.map((sig) => [
    sig,
    () => {
      // The application listens too: it decides how to end, and its exit path restores.
      if (process.listenerCount(sig) > 1) return;
      restoreAll();
      uninstallSignals();
      process.kill(process.pid, sig);
    },
  ]),
);

function installSignals(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  for (const [sig, fn] of handlers) process.on(sig, fn);
}

function uninstallSignals(): void {
  if (!signalsInstalled) return;
  signalsInstalled = false;
  for (const [sig, fn] of handlers) process.off(sig, fn);
}

/** Register a restore to run at process exit or on a fatal signal; returns the function that unregisters it. */
export function restoreOnExit(fn: () => void): () => void {
  if (!exitInstalled) {
    process.on('exit', restoreAll);
    exitInstalled = true;
  }
  pending.add(fn);
  installSignals();
  return () => {
    pending.delete(fn);
    if (pending.size === 0) uninstallSignals();
  };
}
