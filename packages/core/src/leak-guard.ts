import { closeFd } from './fd-ops.js';

/** What the safety net reports when a buffer was garbage-collected while still holding its fd. */
export interface LeakReport {
  /** The leaked buffer's id. */
  bufferId: number;
  /** The exporter plugin's name. */
  exporter: string;
  /** The fd the guard closed. */
  fd: number;
  /** Bytes, when the buffer was allocated. */
  size: number | undefined;
}

/** What the safety net keeps per watched buffer: one object, nothing that references the buffer. */
export interface HeldBuffer extends LeakReport {
  /** The exporter's release hook, run for a collected buffer. */
  release: (() => void) | undefined;
}

/**
 * The safety net: a DmaBuf that is garbage-collected without being released
 * gets its fd closed and its exporter resources freed, and is reported once
 * (to the framework's leak reporter; by default a process warning).
 */
export class LeakGuard {
  readonly #sink: (report: LeakReport) => void;
  readonly #registry = new FinalizationRegistry<HeldBuffer>((held) => {
    try {
      held.release?.();
    } catch {
      // The buffer is gone; nothing more can be done than report it.
    }
    try {
      closeFd(held.fd);
    } catch {
      // closed behind our back: nothing left to close
    }
    this.#sink({ bufferId: held.bufferId, exporter: held.exporter, fd: held.fd, size: held.size });
  });

  constructor(sink: (report: LeakReport) => void) {
    this.#sink = sink;
  }

  /** Watch target (once per buffer); `held` must not reference it, or it could never be collected. */
  watch(target: object, held: HeldBuffer): void {
    this.#registry.register(target, held, target);
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
