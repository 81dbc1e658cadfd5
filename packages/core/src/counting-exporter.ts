import { invalidArgument, LifecycleError } from './errors.js';
import type { Allocation, AttachmentInfo, ExportedBuffer } from './exporter.js';
import { closeFd } from './fd-ops.js';
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

/** A hook called out of order (detach without attach, unmap without map, release twice). */
function outOfOrder(what: string, hint: string): LifecycleError {
  return new LifecycleError(what, { code: 'EINVAL', hint: `${hint}. ${NOT_OURS}` });
}

/**
 * A base for exporters whose attach, detach, map and unmap only keep count
 * (and may refuse an attachment): it implements those hooks over `stats`,
 * asks the subclass for the scatterlist (`table`) and for refusals
 * (`checkAttach`), and counts buffers through `allocation()`. Subclasses
 * still write allocate (and adopt, CPU access…).
 *
 * Every count is kept per buffer and attachment too, so the hooks refuse
 * (a LifecycleError, nothing counted) what the framework never does: a detach
 * of an attachment this exporter did not attach, an unmap without its map, a
 * second release. `stats` cannot go below zero.
 */
export abstract class CountingExporter<P, S extends ExporterStats = ExporterStats> {
  /**
   * The priv objects of this exporter's allocations (a hook given any other buffer refuses it),
   * each with its live attachments: attachment id → device mappings of it.
   */
  readonly #owned = new WeakMap<object, Map<number, number>>();

  /** What the exporter holds now; the subclass declares it (with any counters of its own). */
  abstract readonly stats: S;

  /** Refuses through checkAttach(), else counts the attachment. */
  attach(buffer: ExportedBuffer<P>, att: AttachmentInfo): void {
    const live = this.#attachmentsOf(buffer);
    this.#checkAttachment(att);
    if (live.has(att.id))
      throw outOfOrder(
        `attachment #${att.id} (${att.device}) is already attached to buffer #${buffer.id}`,
        'Attach each device once (buf.attach(device))',
      );
    this.checkAttach(buffer, att);
    live.set(att.id, 0);
    this.stats.attachments++;
  }

  /** Counts the attachment down (nothing to undo); refuses one that is not attached or still mapped. */
  detach(buffer: ExportedBuffer<P>, att: AttachmentInfo): void {
    const [live, maps] = this.#attached(
      buffer,
      att,
      'detach',
      'Detach through attachment.detach(), once per attach',
    );
    if (maps > 0)
      throw outOfOrder(
        `detach of attachment #${att.id} (${att.device}) of buffer #${buffer.id} while it has ${maps} mapping(s)`,
        'Unmap every mapping of the attachment first (mapping.unmap())',
      );
    live.delete(att.id);
    this.stats.attachments--;
  }

  /** The scatterlist from table(), counted as a mapping; refuses an attachment that is not attached. */
  map(buffer: ExportedBuffer<P>, att: AttachmentInfo): SgTable {
    const [live, maps] = this.#attached(
      buffer,
      att,
      'map',
      'Map through attachment.map() after buf.attach(device)',
    );
    const table = this.table(buffer);
    live.set(att.id, maps + 1);
    this.stats.mappings++;
    return table;
  }

  /** Counts the mapping down; refuses an unmap without a map of that attachment. */
  unmap(buffer: ExportedBuffer<P>, att: AttachmentInfo): void {
    const [live, maps] = this.#attached(buffer, att, 'unmap', 'Unmap through mapping.unmap(), once per map');
    if (maps <= 0)
      throw outOfOrder(
        `unmap of attachment #${att.id} (${att.device}) of buffer #${buffer.id}, which has no mapping`,
        'Unmap through mapping.unmap(), once per map',
      );
    live.set(att.id, maps - 1);
    this.stats.mappings--;
  }

  /**
   * Throw InvalidArgumentError unless `buffer` is one this exporter allocated or adopted (its priv
   * came from allocation()): the hooks are the framework's, a caller reaching them directly with
   * anything else gets a typed refusal, not a TypeError from deep inside.
   */
  protected checkOwned(buffer: unknown): asserts buffer is ExportedBuffer<P> {
    this.#attachmentsOf(buffer);
  }

  /** Throw to refuse an attachment (a device that cannot reach this memory). */
  protected checkAttach(_buffer: ExportedBuffer<P>, _att: AttachmentInfo): void {}

  /** The scatterlist a device mapping of `buffer` gets. */
  protected abstract table(buffer: ExportedBuffer<P>): SgTable;

  /**
   * An allocation of this exporter, counted in `stats.buffers` until its release. `release`, when
   * given, runs at the buffer's release after the count (the exporter's own resources: a GEM
   * handle, …). A second call of the allocation's release is refused (LifecycleError).
   */
  protected allocation(
    fd: number,
    layout: Allocation<P>['layout'],
    priv: P,
    release?: () => void,
  ): Allocation<P> {
    if (typeof priv !== 'object' || priv === null) {
      closeFd(fd);
      throw invalidArgument('priv', 'an object (the hooks know their buffers by it)', priv);
    }
    const live = new Map<number, number>();
    this.#owned.set(priv, live);
    this.stats.buffers++;
    return {
      fd,
      layout,
      priv,
      release: () => {
        if (this.#owned.get(priv) !== live)
          throw outOfOrder(
            'release of a buffer this exporter no longer holds (released twice?)',
            'Release each buffer once (buf.put())',
          );
        this.#owned.delete(priv);
        this.stats.buffers--;
        release?.();
      },
    };
  }

  /**
   * The buffer's live attachments and the mappings of `att`, which must be one of them (else a
   * LifecycleError: `verb` of an attachment that is not attached, with `hint`).
   */
  #attached(
    buffer: ExportedBuffer<P>,
    att: AttachmentInfo,
    verb: string,
    hint: string,
  ): [Map<number, number>, number] {
    const live = this.#attachmentsOf(buffer);
    this.#checkAttachment(att);
    const maps = live.get(att.id);
    if (maps === undefined)
      throw outOfOrder(
        `${verb} of attachment #${att.id} (${att.device}), which is not attached to buffer #${buffer.id}`,
        hint,
      );
    return [live, maps];
  }

  #attachmentsOf(buffer: unknown): Map<number, number> {
    const priv =
      typeof buffer === 'object' && buffer !== null ? (buffer as { priv?: unknown }).priv : undefined;
    const live = typeof priv === 'object' && priv !== null ? this.#owned.get(priv) : undefined;
    if (!live)
      throw invalidArgument('buffer', 'a buffer this exporter allocated or adopted', buffer, NOT_OURS);
    return live;
  }

  #checkAttachment(att: unknown): asserts att is AttachmentInfo {
    assertObject('att', att);
    const a = att as Partial<AttachmentInfo>;
    if (typeof a.id !== 'number' || !Number.isSafeInteger(a.id))
      throw invalidArgument('att.id', 'an integer (the AttachmentInfo the framework gave)', a.id, NOT_OURS);
    if (typeof a.device !== 'string')
      throw invalidArgument(
        'att.device',
        'a string (the AttachmentInfo the framework gave)',
        a.device,
        NOT_OURS,
      );
    assertObject('att.constraints', a.constraints);
  }
}
