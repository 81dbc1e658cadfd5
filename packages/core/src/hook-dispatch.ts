import type { Constraints } from './constraints.js';
import { PluginError } from './errors.js';
import type { AttachmentInfo, ExportedBuffer, ExporterPlugin } from './exporter.js';
import type { Importer, ImporterAttachment } from './importer.js';
import type { MapDirection, SgTable } from './sg-table.js';

// One function per hook: each calls it if the plugin has it and re-throws a
// failure as a PluginError naming the plugin and the hook. No closure per
// call: these run for every attach and map. Only the buffer's lifecycle
// (lifecycle.ts) calls them, in the order it guarantees.

export function exporterAttach(exporter: ExporterPlugin, buffer: ExportedBuffer, info: AttachmentInfo): void {
  if (!exporter.attach) return;
  try {
    exporter.attach(buffer, info);
  } catch (e) {
    throw new PluginError(exporter.name, 'attach', e);
  }
}

export function exporterDetach(exporter: ExporterPlugin, buffer: ExportedBuffer, info: AttachmentInfo): void {
  if (!exporter.detach) return;
  try {
    exporter.detach(buffer, info);
  } catch (e) {
    throw new PluginError(exporter.name, 'detach', e);
  }
}

export function exporterMap(
  exporter: ExporterPlugin,
  buffer: ExportedBuffer,
  info: AttachmentInfo,
  direction: MapDirection,
): SgTable {
  try {
    return exporter.map(buffer, info, direction);
  } catch (e) {
    throw new PluginError(exporter.name, 'map', e);
  }
}

export function exporterUnmap(
  exporter: ExporterPlugin,
  buffer: ExportedBuffer,
  info: AttachmentInfo,
  table: SgTable,
  direction: MapDirection,
): void {
  if (!exporter.unmap) return;
  try {
    exporter.unmap(buffer, info, table, direction);
  } catch (e) {
    throw new PluginError(exporter.name, 'unmap', e);
  }
}

export function importerAttach<H, C>(importer: Importer<H, C>, attachment: ImporterAttachment): void {
  if (!importer.onAttach) return;
  try {
    importer.onAttach(attachment);
  } catch (e) {
    throw new PluginError(importer.name, 'onAttach', e);
  }
}

export function importerMap<H, C>(
  importer: Importer<H, C>,
  attachment: ImporterAttachment,
  table: SgTable,
  direction: MapDirection,
  context: C | undefined,
): H {
  if (!importer.onMap) return undefined as H;
  try {
    return importer.onMap(attachment, table, direction, context);
  } catch (e) {
    throw new PluginError(importer.name, 'onMap', e);
  }
}

export function importerUnmap<H, C>(
  importer: Importer<H, C>,
  attachment: ImporterAttachment,
  handle: H,
): void {
  if (!importer.onUnmap) return;
  try {
    importer.onUnmap(attachment, handle);
  } catch (e) {
    throw new PluginError(importer.name, 'onUnmap', e);
  }
}

export function importerDetach<H, C>(importer: Importer<H, C>, attachment: ImporterAttachment): void {
  if (!importer.onDetach) return;
  try {
    importer.onDetach(attachment);
  } catch (e) {
    throw new PluginError(importer.name, 'onDetach', e);
  }
}

/** The device's constraints (its `constraints()` hook), {} when it has none. */
export function importerConstraints<H, C>(importer: Importer<H, C>): Constraints {
  if (!importer.constraints) return {};
  try {
    return importer.constraints();
  } catch (e) {
    throw new PluginError(importer.name, 'constraints', e);
  }
}
