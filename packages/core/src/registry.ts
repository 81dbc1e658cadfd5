import { injectAll, injectable } from 'tsyringe';
import { invalidArgument, NotADmaBufError } from './errors.js';
import type { ExporterPlugin } from './exporter.js';
import type { FdInfo } from './fd-info.js';
import { foreignExporter } from './foreign-exporter.js';
import { TOKENS } from './tokens.js';
import { assertObject, assertString } from './validate.js';

/** The exporters registered in a framework's container, by name and by exp_name. */
@injectable()
export class ExporterRegistry {
  readonly #exporters: ExporterPlugin[];

  constructor(@injectAll(TOKENS.Exporter) exporters: ExporterPlugin[]) {
    if (!Array.isArray(exporters) || !exporters.every((e) => typeof e === 'object' && e !== null))
      throw invalidArgument('exporters', 'an array of exporter plugins', exporters);
    const seen = new Set<string>();
    exporters.forEach((e, i) => {
      assertString(`exporters[${i}].name`, e.name);
      if (seen.has(e.name))
        throw invalidArgument(`exporters[${i}].name`, 'a name no other exporter has', e.name);
      seen.add(e.name);
    });
    this.#exporters = exporters;
  }

  /** Every exporter that can allocate (the built-in foreign adopter excluded). */
  list(): readonly ExporterPlugin[] {
    return this.#exporters.filter((e) => e !== foreignExporter);
  }

  /** By plugin name; throws listing the registered names. */
  byName(name: string): ExporterPlugin {
    const e = this.#exporters.find((x) => x.name === name);
    if (!e) {
      throw invalidArgument(
        'exporter',
        `one of ${
          this.list()
            .map((x) => `'${x.name}'`)
            .join(', ') || '(none registered)'
        }`,
        name,
        'Register the exporter plugin when creating the framework: Framework.create({ plugins: [...] })',
      );
    }
    return e;
  }

  /** The exporter a received fd belongs to: a plugin's matcher, then exp_name, then the foreign adopter. */
  match(info: FdInfo): ExporterPlugin {
    assertObject('info', info);
    if (typeof info.link !== 'string' || (info.expName !== undefined && typeof info.expName !== 'string'))
      throw invalidArgument('info', 'what readFdInfo(fd) returns', info);
    const byMatcher = this.#exporters.find((e) => e.matches?.(info));
    if (byMatcher) return byMatcher;
    if (info.expName !== undefined) {
      return this.#exporters.find((e) => e.expNames.includes(info.expName!)) ?? foreignExporter;
    }
    throw new NotADmaBufError(
      `fd ${info.fd} (${info.link}) is not a dma-buf`,
      'Pass a dma-buf fd (from an exporter, a DRM PRIME export, a V4L2 EXPBUF or a dma-heap)',
    );
  }
}
