import type { DependencyContainer } from 'tsyringe';

/**
 * A plugin is a module that registers providers in the framework's child
 * container (exporters under TOKENS.Exporter, services of its own), and may
 * set up and tear down asynchronously. A failing hook comes back from the
 * framework as a PluginError naming the plugin and the hook.
 */
export interface DmaBufPlugin {
  /** Names the plugin in PluginError messages and in the framework's plugin list; should be unique per framework. */
  readonly name: string;
  /** Register providers in the framework's child container: exporters with `container.registerInstance(TOKENS.Exporter, exporter)`, services of the plugin's own. Synchronous; runs before any initialize. */
  register(container: DependencyContainer): void;
  /** Set up after every plugin registered (may be async: open devices, probe). A throw fails Framework.create with a PluginError; plugins initialized before it are shut down. */
  initialize?(container: DependencyContainer): void | Promise<void>;
  /** Tear down at framework close, in reverse order, after every buffer was released. */
  shutdown?(container: DependencyContainer): void | Promise<void>;
}
