import { PluginError } from './errors.js';

/** @internal Run a plugin hook; any failure comes back as a PluginError naming the plugin and hook. */
export function callHook<T>(plugin: string, hook: string, fn: () => T): T {
  try {
    return fn();
  } catch (cause) {
    throw new PluginError(plugin, hook, cause);
  }
}

/** @internal Async variant of callHook. */
export async function callHookAsync<T>(plugin: string, hook: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (cause) {
    throw new PluginError(plugin, hook, cause);
  }
}
