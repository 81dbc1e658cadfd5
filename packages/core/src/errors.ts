import { debugLog } from './debug-log.js';
import { ERRNO, errnoName, errnoValue } from './errno.js';

/** NODE_DEBUG=dmabuf or dmabuf:core: a plugin hook that threw is logged as it is wrapped. */
const debug = debugLog('core');

/** @internal Any value as text, for messages: never throws (symbols, null-prototype objects, throwing toString). */
export function text(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** What a DmaBufError carries besides its message. */
export interface DmaBufErrorOptions {
  /** Symbolic code, errno-like: 'EINVAL', 'EBUSY', 'EBADF', ... */
  code: string;
  /** The kernel's errno when a syscall failed (positive). */
  errno?: number;
  /** The syscall or ioctl that failed, e.g. 'ioctl(UDMABUF_CREATE)'. */
  syscall?: string;
  /** One sentence saying what to do about it. */
  hint?: string;
  /** The error this one wraps (a PluginError's hook failure, a SystemError's errno exception). */
  cause?: unknown;
}

/**
 * The one error family of dmabuf-js. Every failure, from bad arguments to a
 * refusing kernel driver, is a DmaBufError (or a subclass) carrying `code`,
 * `errno`/`syscall` where a syscall failed, and a `hint` that says what to do.
 * The message is `<what happened>. <hint>`.
 */
export class DmaBufError extends Error {
  /** Symbolic code, errno-like ('EINVAL', 'EBUSY', 'EBADF', ...); 'EUNKNOWN' when none was given. Test this, not the message. */
  readonly code: string;
  /** The errno (positive) of a failed syscall, or the number of `code` when it names one; undefined otherwise. */
  readonly errno: number | undefined;
  /** The syscall or ioctl that failed, e.g. 'ioctl(UDMABUF_CREATE)'; undefined for refusals made in TypeScript. */
  readonly syscall: string | undefined;
  /** One sentence saying what to do about it (also appended to the message); undefined when there is nothing to add. */
  readonly hint: string | undefined;

  constructor(message: string, options: DmaBufErrorOptions) {
    // Built from whatever it is given (an error must not throw while being made).
    const o: Partial<DmaBufErrorOptions> = typeof options === 'object' && options !== null ? options : {};
    const said = text(message);
    const hint = typeof o.hint === 'string' && o.hint ? o.hint : undefined;
    const hinted = hint && !said.endsWith(hint) ? `${said}. ${hint}` : said;
    super(hinted, { cause: o.cause });
    this.name = new.target.name;
    this.code = typeof o.code === 'string' && o.code ? o.code : 'EUNKNOWN';
    this.errno = typeof o.errno === 'number' ? o.errno : errnoValue(this.code);
    this.syscall = typeof o.syscall === 'string' ? o.syscall : undefined;
    this.hint = hint;
  }
}

/** An argument had the wrong type or value; nothing was changed. */
export class InvalidArgumentError extends DmaBufError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'EINVAL', ...(hint ? { hint } : {}) });
  }
}

/** A call that the buffer lifecycle forbids in the current state (map without attach, ...). */
export class LifecycleError extends DmaBufError {}

/** Use of a buffer, attachment or mapping after it was released. */
export class ReleasedError extends LifecycleError {
  constructor(what: string) {
    super(`${text(what)} was already released`, {
      code: 'EBADF',
      hint: 'Keep a reference (buf.get()) while you use it, or check .released before use',
    });
  }
}

/** Constraints of an attaching device cannot be met by the buffer (or by each other). */
export class NegotiationError extends DmaBufError {
  constructor(message: string, hint?: string) {
    super(message, {
      code: 'EINVAL',
      hint:
        hint ??
        'Allocate the buffer for this device (pass its constraints at export), or attach before the first map',
    });
  }
}

/** A syscall or ioctl failed; carries the kernel's errno. */
export class SystemError extends DmaBufError {
  constructor(message: string, errno: number, syscall: string, hint?: string, cause?: unknown) {
    const h = hint || fdLimitHint(errno);
    super(`${text(message)}: ${text(syscall)} failed with ${errnoName(errno)}`, {
      code: errnoName(errno),
      errno: typeof errno === 'number' ? Math.abs(errno) : undefined,
      syscall: text(syscall),
      ...(h ? { hint: h } : {}),
      cause,
    });
  }
}

const { EMFILE, ENFILE } = ERRNO;

/** The hint of a failure for want of an fd (what the caller did not say otherwise). */
function fdLimitHint(errno: unknown): string | undefined {
  const n = typeof errno === 'number' ? Math.abs(errno) : 0;
  if (n === EMFILE)
    return 'This process has no file descriptor free (its limit is `ulimit -n`): put() buffers and close fds you no longer hold, or raise the limit';
  if (n === ENFILE)
    return 'The system has no file descriptor free (fs.file-max): close fds in this or other processes';
  return undefined;
}

/** An fd that is not a dma-buf, or a dma-buf no registered exporter recognises. */
export class NotADmaBufError extends DmaBufError {
  constructor(message: string, hint: string) {
    super(message, { code: 'EBADF', hint });
  }
}

/** What a hook's error says about itself: a DmaBufError's fields, or a Node system error's code and errno. */
function causeFields(
  cause: unknown,
): Pick<DmaBufErrorOptions, 'errno' | 'syscall' | 'hint'> & { code?: string } {
  if (cause instanceof DmaBufError) {
    return {
      code: cause.code,
      ...(cause.errno !== undefined ? { errno: cause.errno } : {}),
      ...(cause.syscall ? { syscall: cause.syscall } : {}),
      ...(cause.hint ? { hint: cause.hint } : {}),
    };
  }
  const e = cause as NodeJS.ErrnoException | undefined;
  if (typeof e?.code !== 'string' || !/^E[A-Z0-9]+$/.test(e.code)) return {};
  return {
    code: e.code,
    ...(typeof e.errno === 'number' ? { errno: Math.abs(e.errno) } : {}),
    ...(typeof e.syscall === 'string' ? { syscall: e.syscall } : {}),
  };
}

/**
 * A plugin's hook (an exporter's map, an importer's attach, ...) failed;
 * `cause` is the original error. The message names the plugin and the hook;
 * `code`, `errno`, `syscall` and `hint` are the cause's (a DmaBufError's, or
 * a Node system error's code and errno), so callers need not dig into
 * `cause` to act on it. A cause without a code gives 'EPLUGIN'.
 */
export class PluginError extends DmaBufError {
  /** The plugin or importer whose hook threw (its `name`). */
  readonly plugin: string;
  /** The hook that threw: 'allocate', 'attach', 'map', 'onAttach', 'onMap', ... */
  readonly hook: string;

  constructor(plugin: string, hook: string, cause: unknown) {
    const inner = cause instanceof Error ? cause.message : text(cause);
    const { code, ...rest } = causeFields(cause);
    super(`${text(plugin)}: ${text(hook)} failed: ${inner}`, { code: code ?? 'EPLUGIN', ...rest, cause });
    this.plugin = text(plugin);
    this.hook = text(hook);
    if (debug.enabled) debug('plugin %s: hook %s threw: %s', this.plugin, this.hook, inner);
  }
}

/** The native addon could not be loaded; the message lists fixes. */
export class NativeLoadError extends DmaBufError {}

/** Build an `Expected X for NAME but received Y` argument error. */
export function invalidArgument(
  name: string,
  expected: string,
  actual: unknown,
  hint?: string,
): InvalidArgumentError {
  return new InvalidArgumentError(
    `Expected ${text(expected)} for ${text(name)} but received ${describe(actual)}`,
    typeof hint === 'string' ? hint : undefined,
  );
}

function describe(value: unknown): string {
  try {
    return describeUnsafe(value);
  } catch {
    return 'a value that cannot be shown';
  }
}

function describeUnsafe(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return `${typeof value === 'function' ? 'a function' : String(value)}`;
}
