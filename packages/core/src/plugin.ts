import type { DependencyContainer } from 'tsyringe';
import { PluginError } from './errors.js';

/**
 * A plugin is a module that registers providers in the framework's child
 * container (exporters under TOKENS.Exporter, services of its own), and may
 * set up and tear down asynchronously.
 */
export interface DmaBufPlugin {
  readonly name: string;
  register(container: DependencyContainer): void;
  initialize?(container: DependencyContainer): void | Promise<void>;
  shutdown?(container: DependencyContainer): void | Promise<void>;
}

/** Run a plugin hook; any failure comes back as a PluginError naming the plugin and hook. */
export function callHook<T>(plugin: string, hook: string, fn: () => T): T {
  try {
    return fn();
  } catch (cause) {
    throw new PluginError(plugin, hook, cause);
  }
}

/** Async variant of callHook. */
export async function callHookAsync<T>(plugin: string, hook: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (cause) {
    throw new PluginError(plugin, hook, cause);
  }
}
