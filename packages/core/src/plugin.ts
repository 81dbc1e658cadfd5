import type { DependencyContainer } from 'tsyringe';

/**
 * A plugin is a module that registers providers in the framework's child
 * container (exporters under TOKENS.Exporter, services of its own), and may
 * set up and tear down asynchronously. A failing hook comes back from the
 * framework as a PluginError naming the plugin and the hook.
 */
export interface DmaBufPlugin {
  readonly name: string;
  register(container: DependencyContainer): void;
  initialize?(container: DependencyContainer): void | Promise<void>;
  shutdown?(container: DependencyContainer): void | Promise<void>;
}
