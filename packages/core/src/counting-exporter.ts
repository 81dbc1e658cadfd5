import type { Allocation, AttachmentInfo, ExportedBuffer } from './exporter.js';
import type { SgTable } from './sg-table.js';

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

  /** What the exporter holds now; the subclass declares it (with any counters of its own). */
  abstract readonly stats: S;

  /** Refuses through checkAttach(), else counts the attachment. */
  attach(buffer: ExportedBuffer<P>, att: AttachmentInfo): void {
    this.checkAttach(buffer, att);
    this.stats.attachments++;
  }

  /** Counts the attachment down (nothing to undo). */
  detach(): void {
    this.stats.attachments--;
  }

  /** The scatterlist from table(), counted as a mapping. */
  map(buffer: ExportedBuffer<P>): SgTable {
    const table = this.table(buffer);
    this.stats.mappings++;
    return table;
  }

  /** Counts the mapping down. */
  unmap(): void {
    this.stats.mappings--;
  }

  /** Throw to refuse an attachment (a device that cannot reach this memory). */
  protected checkAttach(_buffer: ExportedBuffer<P>, _att: AttachmentInfo): void {}

  /** The scatterlist a device mapping of `buffer` gets. */
  protected abstract table(buffer: ExportedBuffer<P>): SgTable;

  /** An allocation of this exporter, counted in `stats.buffers` until its release. */
  protected allocation(fd: number, layout: Allocation<P>['layout'], priv: P): Allocation<P> {
    this.stats.buffers++;
    return { fd, layout, priv, release: this.#release };
  }
}
