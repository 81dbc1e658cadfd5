/**
 * A custom exporter plugin, written against @dmabuf/core's public contract
 * only: a "ring" exporter that hands out sealed memfds from a pool sized by an
 * injected config, wired with tsyringe through the core's re-exports.
 *
 * Run: node dist/custom-exporter.js
 */
import { pathToFileURL } from 'node:url';
import {
  type Allocation,
  type AllocationRequest,
  createMemfd,
  type DependencyContainer,
  DmaBufError,
  type DmaBufPlugin,
  type ExportedBuffer,
  type ExporterPlugin,
  type FdInfo,
  Framework,
  inject,
  injectable,
  plainDevice,
  type SgTable,
  TOKENS,
} from '@dmabuf/core';
import { parseCommand } from './command-line.js';

/** The plugin's own DI token and config. */
export const RING_CONFIG = Symbol.for('example.RingConfig');
export interface RingConfig {
  slotSize: number;
  slots: number;
}

@injectable()
export class RingExporter implements ExporterPlugin<{ slot: number }> {
  readonly name = 'ring';
  readonly expNames = ['ring'];
  #next = 0;
  #live = new Set<number>();

  constructor(@inject(RING_CONFIG) private readonly config: RingConfig) {}

  matches(info: FdInfo): boolean {
    return info.link.startsWith('/memfd:ring-slot');
  }

  allocate(req: AllocationRequest): Allocation<{ slot: number }> {
    const size = req.size ?? req.constraints.minSize ?? this.config.slotSize;
    if (size > this.config.slotSize) {
      throw new DmaBufError(`ring slots hold ${this.config.slotSize} bytes, ${size} asked`, {
        code: 'EINVAL',
        hint: 'Raise slotSize in the ring config',
      });
    }
    if (this.#live.size >= this.config.slots) {
      throw new DmaBufError(`all ${this.config.slots} ring slots are in use`, {
        code: 'EBUSY',
        hint: 'Release a buffer first',
      });
    }
    const slot = this.#next++ % this.config.slots;
    this.#live.add(slot);
    const fd = createMemfd(`ring-slot-${slot}`, this.config.slotSize, { seals: ['shrink', 'grow'] });
    return {
      fd,
      layout: { size: this.config.slotSize, planes: [{ offset: 0, pitch: 0, size: this.config.slotSize }] },
      priv: { slot },
      release: () => this.#live.delete(slot),
    };
  }

  map(buffer: ExportedBuffer<{ slot: number }>): SgTable {
    const { size } = buffer.layout;
    return {
      segments: [{ offset: 0, length: size, source: `ring slot ${buffer.priv.slot}` }],
      planes: buffer.layout.planes,
      size,
    };
  }

  // CPU access on a memfd needs no cache maintenance.
  beginCpuAccess(): void {}
  endCpuAccess(): void {}
}

/** The plugin module: registers its config and its exporter in the framework's container. */
export function ringPlugin(config: RingConfig): DmaBufPlugin {
  return {
    name: 'ring',
    register(container: DependencyContainer) {
      container.registerInstance(RING_CONFIG, config);
      container.registerInstance(TOKENS.Exporter, container.resolve(RingExporter));
    },
  };
}

export async function main(): Promise<string[]> {
  const lines: string[] = [];
  await using fw = await Framework.create({ plugins: [ringPlugin({ slotSize: 64 * 1024, slots: 2 })] });
  using a = fw.export({ exporter: 'ring', size: 4096 });
  using b = fw.export({ exporter: 'ring', size: 4096 });
  {
    using cpu = a.cpuAccess('write');
    cpu.bytes.set(Buffer.from('hello from a custom exporter'));
  }
  using att = a.attach(plainDevice('example-device'));
  using m = att.map('to-device');
  lines.push(`buffer ${a.id}: ${a.size} bytes, segments ${JSON.stringify(m.table.segments)}`);
  try {
    fw.export({ exporter: 'ring', size: 4096 });
  } catch (e) {
    lines.push(`third export refused: ${(e as DmaBufError).code}: ${(e as Error).message}`);
  }
  const fd = b.fd();
  const again = fw.get(fd);
  lines.push(`get(fd) returns the same object: ${again === b}`);
  again.put();
  (await import('@dmabuf/core')).closeFd(fd);
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = parseCommand(
    {
      name: 'custom-exporter',
      summary:
        'A custom exporter plugin (a ring of sealed memfds wired through DI) exporting, mapping and sharing buffers.',
      options: {},
    },
    process.argv.slice(2),
  );
  if ('exit' in args) process.exitCode = args.exit;
  else for (const l of await main()) console.log(l);
}
