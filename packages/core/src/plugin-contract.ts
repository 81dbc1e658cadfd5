/**
 * `@dmabuf/core/plugin`: the contract a plugin implements, and nothing of the
 * machinery behind it. Types only, plus the DI tokens (one object of
 * symbols): importing this entry loads no addon and no framework code.
 *
 * - `ExporterPlugin` (the userspace dma_buf_ops) and the read-only views its
 *   hooks receive (`ExportedBuffer`, `AttachmentInfo`);
 * - `Importer` (a device) and the read-only views its hooks receive
 *   (`ImporterAttachment`, whose buffer is a `BufferView`, not a `DmaBuf`);
 * - `DmaBufPlugin`, the module a `Framework` registers, and `TOKENS`.
 */
export type { BufferState, BufferView } from './buffer-view.js';
export type { Constraints, FormatConstraint, LabelledConstraints } from './constraints.js';
export type {
  Allocation,
  AllocationRequest,
  AttachmentInfo,
  ExportedBuffer,
  ExporterPlugin,
} from './exporter.js';
export type { FdInfo } from './fd-info.js';
export type { Importer, ImporterAttachment } from './importer.js';
export type { BufferLayout, PlaneLayout } from './layout.js';
export type { DmaBufPlugin } from './plugin.js';
export type { CpuAccessMode, MapDirection, SgSegment, SgTable } from './sg-table.js';
export { TOKENS } from './tokens.js';
