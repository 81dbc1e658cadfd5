import { invalidArgument } from './errors.js';
import type { ExporterPlugin } from './exporter.js';
import type { DmaBufPlugin } from './plugin.js';
import { TOKENS } from './tokens.js';
import { assertObject, assertString } from './validate.js';

/**
 * A plugin module that provides one exporter, ready made: it registers the
 * exporter under TOKENS.Exporter (no decorators, no container code) and runs
 * `shutdown`, if given, when the framework closes. The plugin is named after
 * the exporter.
 *
 *   await Framework.create({ plugins: [exporterPlugin(new MyExporter())] })
 */
export function exporterPlugin<E extends ExporterPlugin>(
  exporter: E,
  shutdown?: () => void | Promise<void>,
): DmaBufPlugin & {
  /** The exporter given, the same object the framework uses (registered under TOKENS.Exporter). */
  exporter: E;
} {
  assertObject('exporter', exporter);
  assertString('exporter.name', exporter.name);
  if (shutdown !== undefined && typeof shutdown !== 'function')
    throw invalidArgument('shutdown', 'a function', shutdown);
  return {
    name: exporter.name,
    exporter,
    register(container) {
      container.registerInstance(TOKENS.Exporter, exporter);
    },
    ...(shutdown ? { shutdown } : {}),
  };
}
