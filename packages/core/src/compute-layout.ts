import { DmaBufError } from './errors.js';
import type { AllocationRequest } from './exporter.js';
import { PixelFormatError } from './formats/errors.js';
import { imagePlanes } from './formats/image-layout.js';
import { pixelFormat, pixelFormatNames } from './formats/lookup.js';
import { chooseModifier } from './formats/modifiers.js';
import type { BufferLayout } from './layout.js';
import { assertObject, assertPositive, assertString, PAGE_SIZE } from './validate.js';

/** Formats computeLayout lays out: every DRM fourcc of the format table. */
export const LAYOUT_FORMATS: readonly string[] = Object.freeze(pixelFormatNames());

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/**
 * For exporter plugins that allocate plain memory (memfd, udmabuf, dma-heap):
 * the layout of a new buffer for an export request and the merged
 * constraints of the devices attached so far: a plain size, or an image
 * (width × height in a format of the table) with pitches and planes, LINEAR
 * (the reason is in `modifierReason`). The total size is rounded up to
 * `granule` (the page size, or more). Errors name `exporter`.
 */
export function computeLayout(exporter: string, req: AllocationRequest, granule = PAGE_SIZE): BufferLayout {
  assertString('exporter', exporter, 256);
  assertObject('req', req);
  assertObject('req.constraints', req.constraints);
  assertPositive('granule', granule, 2 ** 30);
  // (no array or string per call: this runs at every allocation)
  if (req.size !== undefined) assertPositive('req.size', req.size);
  if (req.width !== undefined) assertPositive('req.width', req.width, 65535);
  if (req.height !== undefined) assertPositive('req.height', req.height, 65535);
  if (req.format !== undefined) assertString('req.format', req.format, 16);
  const c = req.constraints;
  const align = Math.max(granule, c.alignment ?? 1);
  if (req.width !== undefined || req.height !== undefined) {
    if (req.width === undefined || req.height === undefined) {
      throw new DmaBufError(`${exporter}: an image needs both width and height`, {
        code: 'EINVAL',
        hint: 'Pass width and height together, or a plain size',
      });
    }
    const asked = req.format ?? c.formats?.[0]?.format ?? 'XR24';
    const f = pixelFormat(asked);
    if (!f) {
      throw new PixelFormatError(
        `${exporter} cannot lay out format '${asked}'`,
        { format: asked, available: LAYOUT_FORMATS },
        `Use one of ${LAYOUT_FORMATS.join(', ')}, or export a plain size`,
      );
    }
    const format = f.fourcc;
    if (c.formats && !c.formats.some((x) => pixelFormat(x.format) === f)) {
      const takes = c.formats.map((x) => x.format);
      throw new PixelFormatError(
        `the attached devices take formats ${takes.join('/')}, the export asks for ${format}`,
        { format, available: takes },
        'Export in a format every attached device takes',
      );
    }
    const { modifier, reason } = chooseModifier(format, c, exporter);
    const planes = imagePlanes(
      f,
      req.width,
      req.height,
      {
        ...(c.pitchAlignment !== undefined ? { pitchAlignment: c.pitchAlignment } : {}),
        ...(c.heightAlignment !== undefined ? { heightAlignment: c.heightAlignment } : {}),
        ...(c.pitches ? { pitches: c.pitches } : {}),
      },
      exporter,
    ).map(({ pitch, size }) => ({ offset: 0, pitch, size }));
    let offset = 0;
    for (const [i, p] of planes.entries()) {
      p.size = Math.max(p.size, c.minPlaneSizes?.[i] ?? 0);
      p.offset = offset;
      offset += p.size;
    }
    const total = roundUp(Math.max(offset, c.minSize ?? 0, req.size ?? 0), align);
    return {
      size: total,
      width: req.width,
      height: req.height,
      format,
      modifier,
      modifierReason: reason,
      planes,
    };
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
