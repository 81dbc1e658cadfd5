import type { Constraints } from '@dmabuf/core';
import { invalidArgument } from '@dmabuf/core';
import { assertPixFormat } from './check-args.js';
import type { PixFormat } from './format.js';

/**
 * What one memory plane of a negotiated format needs of the dma-buf that
 * backs it: at least `sizeimage` bytes, rows of exactly `bytesperline`, and
 * for single-buffer formats with a DRM twin, that format (LINEAR).
 * The core checks these at attach, before any ioctl, so an undersized buffer
 * is refused with a message naming both sizes.
 */
export function planeConstraints(format: PixFormat, plane: number): Constraints {
  assertPixFormat('format', format);
  if (!Number.isSafeInteger(plane) || plane < 0)
    throw invalidArgument('plane', 'a plane index (an integer >= 0)', plane);
  const p = format.planes[plane];
  if (!p) return {};
  const c: Constraints = { minSize: p.sizeimage };
  if (p.bytesperline > 0) c.pitches = [p.bytesperline];
  if (format.planes.length === 1 && format.drmFormat)
    c.formats = [{ format: format.drmFormat, modifiers: [0n] }];
  return c;
}

/** The constraints of every memory plane of a format. */
export function formatConstraints(format: PixFormat): Constraints[] {
  assertPixFormat('format', format);
  return format.planes.map((_, i) => planeConstraints(format, i));
}
