import { DmaBufError } from './errors.js';
import type { AllocationRequest } from './exporter.js';
import type { BufferLayout } from './layout.js';
import { assertObject, assertPositive, assertString, PAGE_SIZE } from './validate.js';

/** Bytes per pixel of the single-plane formats computeLayout lays out. */
const BPP: Readonly<Record<string, number>> = {
  XR24: 4,
  AR24: 4,
  XB24: 4,
  AB24: 4,
  RG24: 3,
  BG24: 3,
  RG16: 2,
  YUYV: 2,
  UYVY: 2,
  R8: 1,
};
/** Two-plane 4:2:0 formats: a full-size luma plane, then a half-height interleaved chroma plane. */
const SEMI_PLANAR = new Set(['NV12', 'NV21']);

/** Formats computeLayout understands. */
export const LAYOUT_FORMATS: readonly string[] = [...Object.keys(BPP), ...SEMI_PLANAR];

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/**
 * For exporter plugins that allocate plain memory (memfd, udmabuf, dma-heap):
 * the layout of a new buffer for an export request and the merged
 * constraints of the devices attached so far: a plain size, or an image
 * (width × height in a fourcc format) with pitches and planes. The total size
 * is rounded up to `granule` (the page size, or more). Errors name `exporter`.
 */
export function computeLayout(exporter: string, req: AllocationRequest, granule = PAGE_SIZE): BufferLayout {
  assertString('exporter', exporter, 256);
  assertObject('req', req);
  assertObject('req.constraints', req.constraints);
  assertPositive('granule', granule, 2 ** 30);
  // (no array or string per call: this runs at every allocation)
  if (req.size !== undefined) assertPositive('req.size', req.size);
  if (req.width !== undefined) assertPositive('req.width', req.width);
  if (req.height !== undefined) assertPositive('req.height', req.height);
  if (req.format !== undefined) assertString('req.format', req.format, 4);
  const c = req.constraints;
  const align = Math.max(granule, c.alignment ?? 1);
  if (req.width !== undefined || req.height !== undefined) {
    if (req.width === undefined || req.height === undefined) {
      throw new DmaBufError(`${exporter}: an image needs both width and height`, {
        code: 'EINVAL',
        hint: 'Pass width and height together, or a plain size',
      });
    }
    const format = req.format ?? c.formats?.[0]?.format ?? 'XR24';
    const pa = c.pitchAlignment ?? 1;
    const planes = [];
    let offset = 0;
    const planeRows = SEMI_PLANAR.has(format) ? [req.height, Math.ceil(req.height / 2)] : [req.height];
    const rowBytes = SEMI_PLANAR.has(format) ? req.width + (req.width % 2) : req.width * (BPP[format] ?? 0);
    if (rowBytes === 0) {
      throw new DmaBufError(`${exporter} cannot lay out format ${format}`, {
        code: 'EINVAL',
        hint: `Use one of ${LAYOUT_FORMATS.join(', ')}, or export a plain size`,
      });
    }
    for (const [i, rows] of planeRows.entries()) {
      const minimal = roundUp(rowBytes, pa);
      const pitch = c.pitches?.[i] ?? minimal;
      if (pitch < rowBytes) {
        throw new DmaBufError(
          `${exporter}: a pitch of ${pitch} bytes is too small for plane ${i} of a ${req.width}-pixel-wide ${format} image (${rowBytes} bytes)`,
          {
            code: 'EINVAL',
            hint: 'The device asking for this pitch cannot hold this image; export a narrower one',
          },
        );
      }
      const size = Math.max(pitch * rows, c.minPlaneSizes?.[i] ?? 0);
      planes.push({ offset, pitch, size });
      offset += size;
    }
    const total = roundUp(Math.max(offset, c.minSize ?? 0, req.size ?? 0), align);
    return { size: total, width: req.width, height: req.height, format, modifier: 0n, planes };
  }
  let want = Math.max(req.size ?? 0, c.minSize ?? 0);
  if (c.minPlaneSizes) for (const s of c.minPlaneSizes) want = Math.max(want, s);
  if (want === 0) {
    throw new DmaBufError(`${exporter}: nothing says how big the buffer must be`, {
      code: 'EINVAL',
      hint: 'Pass a size (or width and height) at export, or attach a device with constraints before the first map',
    });
  }
  const size = roundUp(want, align);
  return { size, planes: [{ offset: 0, pitch: 0, size }] };
}
