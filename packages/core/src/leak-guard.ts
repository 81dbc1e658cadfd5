import { native } from './native.js';

/** What the safety net reports when a buffer was garbage-collected while still holding its fd. */
export interface LeakReport {
  bufferId: number;
  exporter: string;
  fd: number;
  size: number | undefined;
}

interface Held {
  report: LeakReport;
  release: (() => void) | undefined;
  sink: (report: LeakReport) => void;
}

/**
 * The safety net: a DmaBuf that is garbage-collected without being released
 * gets its fd closed and its exporter resources freed, and is reported once
 * (to the framework's leak reporter; by default a process warning).
 */
export class LeakGuard {
  readonly #registry = new FinalizationRegistry<Held>((held) => {
    try {
      held.release?.();
    } catch {
      // The buffer is gone; nothing more can be done than report it.
    }
    native().close(held.report.fd);
    held.sink(held.report);
  });

  watch(
    target: object,
    report: LeakReport,
    release: (() => void) | undefined,
    sink: (report: LeakReport) => void,
  ): void {
    this.#registry.register(target, { report, release, sink }, target);
  }

  forget(target: object): void {
    this.#registry.unregister(target);
  }
}

/** The default leak sink: one process warning per leaked buffer. */
export function warnLeak(report: LeakReport): void {
  process.emitWarning(
    `dma-buf #${report.bufferId} (${report.exporter}, ${report.size ?? '?'} bytes) was garbage-collected without release; its fd ${report.fd} was closed. Release buffers with buf.put() or \`using\`.`,
    { code: 'DMABUF_LEAK' },
  );
}
