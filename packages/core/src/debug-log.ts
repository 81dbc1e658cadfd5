import { debuglog, format, inspect } from 'node:util';

/**
 * A debug logger: call it like `console.log` (`util.format` placeholders).
 * Check `enabled` before building costly arguments.
 */
export interface DebugLog {
  (format: string, ...args: unknown[]): void;
  /** Whether NODE_DEBUG turned this log on (fixed for the life of the process). */
  readonly enabled: boolean;
}

const off: DebugLog = Object.assign(() => {}, { enabled: false as const });

/**
 * The debug log of one part of dmabuf-js, through `util.debuglog`: on when
 * `NODE_DEBUG` names `dmabuf` (every part) or `dmabuf:<section>` (this part
 * only: `dmabuf:core`, `dmabuf:udmabuf`, `dmabuf:heap`, `dmabuf:drm`,
 * `dmabuf:v4l2`; `dmabuf*` works too), off otherwise. Off, it is a no-op
 * whose `enabled` is false, so a call site guarded by `if (log.enabled)`
 * costs one property read. Lines go to stderr as
 * `DMABUF:<SECTION> <pid>: <message>`.
 *
 * A driver package's binding is traced under its section by `loadAddon`
 * (`@dmabuf/core/driver`); a plugin of your own can log its steps with
 * `debugLog('mine')`.
 */
export function debugLog(section: string): DebugLog {
  if (!debuglog(`dmabuf:${section}`).enabled && !debuglog('dmabuf').enabled) return off;
  const prefix = `DMABUF:${section.toUpperCase()} ${process.pid}:`;
  // written here rather than by util.debuglog, which prints only for the exact section NODE_DEBUG names
  return Object.assign(
    (fmt: string, ...args: unknown[]) => void process.stderr.write(`${prefix} ${format(fmt, ...args)}\n`),
    { enabled: true as const },
  );
}

const BRIEF = { depth: 2, breakLength: Number.POSITIVE_INFINITY, maxArrayLength: 8, maxStringLength: 64 };

/** @internal A value in one short line for a debug log: buffers by their length, nested objects cut at depth 2. */
export function brief(v: unknown): string {
  if (v instanceof ArrayBuffer) return `ArrayBuffer(${v.byteLength})`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.byteLength})`;
  if (typeof v === 'function') return '[function]';
  return inspect(v, BRIEF);
}
