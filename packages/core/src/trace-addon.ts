import { brief, type DebugLog } from './debug-log.js';
import { errnoName } from './errno.js';
import { invalidArgument } from './errors.js';

/** One value of a traced call, short: buffers by length, negative results by errno name. */
function show(v: unknown, result = false): string {
  if (result && typeof v === 'number' && v < 0 && Number.isInteger(v)) return `-${errnoName(-v)}`;
  return brief(v);
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** The addon function `name`, logging each call with its arguments and its result. */
function traced(target: object, name: string, fn: (...a: unknown[]) => unknown, log: DebugLog) {
  return (...args: unknown[]) => {
    const call = `${name}(${args.map((a) => show(a)).join(', ')})`;
    let result: unknown;
    try {
      result = fn.apply(target, args);
    } catch (e) {
      log('%s threw %s', call, (e as Error).message);
      throw e;
    }
    if (!isThenable(result)) {
      log('%s -> %s', call, show(result, true));
      return result;
    }
    // a wait through libuv: say it started, and how it ended (without touching the promise handed back)
    log('%s -> pending', call);
    result.then(
      (v) => log('%s resolved -> %s', call, show(v, true)),
      (e) => log('%s rejected %s', call, (e as Error)?.message ?? String(e)),
    );
    return result;
  };
}

/**
 * A driver addon whose every function call is logged with its arguments and
 * result (a negative number as its errno name; a promise when it settles):
 * what NODE_DEBUG shows of a driver's ioctls. Returns the addon itself when
 * the log is off, so there is no wrapper at all then. `loadAddon` applies it
 * to every binding it loads; call it yourself only for an addon loaded
 * another way.
 */
export function traceAddon<T extends object>(addon: T, log: DebugLog): T {
  if (typeof addon !== 'object' || addon === null) throw invalidArgument('addon', 'a loaded binding', addon);
  if (typeof log !== 'function' || typeof log.enabled !== 'boolean')
    throw invalidArgument('log', 'a logger from debugLog(section)', log);
  if (!log.enabled) return addon;
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(addon, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      let fn = wrapped.get(key);
      if (!fn) {
        fn = traced(target, String(key), value as (...a: unknown[]) => unknown, log);
        wrapped.set(key, fn);
      }
      return fn;
    },
  });
}
