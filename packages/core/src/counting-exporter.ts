import { invalidArgument } from './errors.js';
import type { Allocation, AttachmentInfo, ExportedBuffer } from './exporter.js';
import type { SgTable } from './sg-table.js';
import { assertObject } from './validate.js';

const NOT_OURS =
  'Exporter hooks are called by the framework: use framework.export() and the DmaBuf methods, not the hooks';

/** What an exporter holds right now: live buffers, attachments and device mappings. */
export interface ExporterStats {
  /** Buffers allocated (or adopted) and not yet released. */
  buffers: number;
  /** Attachments made and not yet detached. */
  attachments: number;
  /** Device mappings made and not yet unmapped. */
  mappings: number;
}

/**
 * A base for exporters whose attach, detach, map and unmap only keep count
 * (and may refuse an attachment): it implements those hooks over `stats`,
 * asks the subclass for the scatterlist (`table`) and for refusals
 * (`checkAttach`), and counts buffers through `allocation()`. Subclasses
 * still write allocate (and adopt, CPU access…).
 */
export abstract class CountingExporter<P, S extends ExporterStats = ExporterStats> {
  /** Every buffer's release hook (one function, not one per buffer). */
  readonly #release = (): void => {
    this.stats.buffers--;
  };
  /** The priv objects of this exporter's allocations: a hook given any other buffer refuses it. */
  readonly #owned = new WeakSet<object>();

  /** What the exporter holds now; the subclass declares it (with any counters of its own). */
  abstract readonly stats: S;

  /** Refuses through checkAttach(), else counts the attachment. */
  attach(buffer: ExportedBuffer<P>, att: AttachmentInfo): void {
    this.checkOwned(buffer);
    assertObject('att', att);
    assertObject('att.constraints', att.constraints);
    this.checkAttach(buffer, att);
    this.stats.attachments++;
  }

  /** Counts the attachment down (nothing to undo). */
  detach(): void {
    this.stats.attachments--;
  }

  /** The scatterlist from table(), counted as a mapping. */
  map(buffer: ExportedBuffer<P>): SgTable {
    this.checkOwned(buffer);
    const table = this.table(buffer);
    this.stats.mappings++;
    return table;
  }

  /** Counts the mapping down. */
  unmap(): void {
    this.stats.mappings--;
  }

  /**
   * Throw InvalidArgumentError unless `buffer` is one this exporter allocated or adopted (its priv
   * came from allocation()): the hooks are the framework's, a caller reaching them directly with
   * anything else gets a typed refusal, not a TypeError from deep inside.
   */
  protected checkOwned(buffer: unknown): asserts buffer is ExportedBuffer<P> {
    const priv =
      typeof buffer === 'object' && buffer !== null ? (buffer as { priv?: unknown }).priv : undefined;
    if (typeof priv !== 'object' || priv === null || !this.#owned.has(priv))
      throw invalidArgument('buffer', 'a buffer this exporter allocated or adopted', buffer, NOT_OURS);
  }

  /** Throw to refuse an attachment (a device that cannot reach this memory). */
  protected checkAttach(_buffer: ExportedBuffer<P>, _att: AttachmentInfo): void {}

  /** The scatterlist a device mapping of `buffer` gets. */
  protected abstract table(buffer: ExportedBuffer<P>): SgTable;

  /** An allocation of this exporter, counted in `stats.buffers` until its release. */
  protected allocation(fd: number, layout: Allocation<P>['layout'], priv: P): Allocation<P> {
    this.stats.buffers++;
    if (typeof priv === 'object' && priv !== null) this.#owned.add(priv);
    return { fd, layout, priv, release: this.#release };
  }
}
