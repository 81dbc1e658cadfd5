import type { BufferView } from './buffer-view.js';
import type { Constraints } from './constraints.js';
import type { MapDirection, SgTable } from './sg-table.js';
import { assertString } from './validate.js';
import { assertConstraints } from './validate-constraints.js';

/** What an importer's hooks receive about the attachment. */
export interface ImporterAttachment {
  /** Unique per process: the same id the exporter's hooks see for this attachment. */
  readonly id: number;
  /** The buffer, read-only: hooks do not drive its lifecycle (the core does). */
  readonly buffer: BufferView;
}

/**
 * A device that imports buffers (a DRM device, a V4L2 queue, the CPU). It
 * declares its constraints and maps attached buffers into itself; the core
 * calls the hooks in legal order only.
 *
 * H is the device-side handle a map yields (a GEM handle, a V4L2 slot); C
 * the context a map hands onMap (what the caller of `attachment.map` knows
 * of this map and the device needs).
 */
export interface Importer<H = unknown, C = unknown> {
  /** Human name for messages: 'V4L2 /dev/video0', 'DRM card0 (virtio_gpu)'. */
  readonly name: string;
  /** What this device needs of a buffer. */
  constraints?(): Constraints;
  /** Called when a buffer is attached (after the exporter accepted). Throw to refuse. */
  onAttach?(attachment: ImporterAttachment): void;
  /** Called after the last unmap, when the attachment goes away. */
  onDetach?(attachment: ImporterAttachment): void;
  /**
   * Map into the device; return the device-side handle. `context` is what
   * the caller passed to `attachment.map(direction, context)` (undefined when
   * nothing was): what the device needs to know of this map besides the
   * buffer, e.g. the V4L2 slot its queue assigned.
   */
  onMap?(attachment: ImporterAttachment, table: SgTable, direction: MapDirection, context: C | undefined): H;
  /** A mapping ended (before the exporter's unmap): let go of the device handle onMap returned. Optional. */
  onUnmap?(attachment: ImporterAttachment, handle: H): void;
}

/** A device with no constraints and no device-side state (a CPU user, a test). */
export function plainDevice(name: string, constraints: Constraints = {}): Importer<undefined, undefined> {
  assertString('name', name);
  assertConstraints('constraints', constraints);
  return { name, constraints: () => constraints };
}
