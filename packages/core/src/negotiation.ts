import {
  type Constraints,
  type FormatConstraint,
  type LabelledConstraints,
  NO_CONSTRAINTS,
} from './constraints.js';
import { DmaBufError, invalidArgument, LifecycleError, NegotiationError } from './errors.js';
import { pixelFormat } from './formats/lookup.js';
import { modifierList } from './formats/modifiers.js';
import type { BufferLayout } from './layout.js';
import type { SgTable } from './sg-table.js';
import { assertString } from './validate.js';
import { assertConstraints, assertParty } from './validate-constraints.js';
import { assertLayout } from './validate-layout.js';

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}

/**
 * The intersection of several parties' constraints: the largest sizes, the
 * least common multiple of alignments, common formats. Throws a
 * NegotiationError naming both sides when two parties cannot be satisfied
 * together (different exact pitches, no common format).
 */
export function mergeConstraints(parties: readonly LabelledConstraints[]): Constraints {
  if (!Array.isArray(parties as unknown))
    throw invalidArgument('parties', 'an array of { label, constraints }', parties);
  parties.forEach((p, i) => {
    assertParty(`parties[${i}]`, p);
  });
  const out: Constraints = {};
  let pitchOwner = '';
  let alignOwner = '';
  let formatOwner = '';
  for (const { label, constraints: c } of parties) {
    if (c.minSize !== undefined) out.minSize = Math.max(out.minSize ?? 0, c.minSize);
    if (c.alignment !== undefined) out.alignment = lcm(out.alignment ?? 1, c.alignment);
    if (c.pitchAlignment !== undefined) {
      out.pitchAlignment = lcm(out.pitchAlignment ?? 1, c.pitchAlignment);
      alignOwner = alignOwner ? `${alignOwner} and ${label}` : label;
    }
    if (c.heightAlignment !== undefined)
      out.heightAlignment = lcm(out.heightAlignment ?? 1, c.heightAlignment);
    if (c.contiguous) out.contiguous = true;
    if (c.minPlaneSizes) {
      const cur = [...(out.minPlaneSizes ?? [])];
      c.minPlaneSizes.forEach((s, i) => {
        cur[i] = Math.max(cur[i] ?? 0, s);
      });
      out.minPlaneSizes = cur;
    }
    if (c.pitches) {
      if (out.pitches) {
        c.pitches.forEach((p, i) => {
          const have = out.pitches?.[i];
          if (have !== undefined && have !== p) {
            throw new NegotiationError(
              `${label} needs a pitch of ${p} bytes for plane ${i}, ${pitchOwner} needs ${have}`,
              'These devices cannot share one buffer; allocate one for each and copy',
            );
          }
        });
      } else {
        out.pitches = [...c.pitches];
        pitchOwner = label;
      }
    }
    if (out.pitches && out.pitchAlignment !== undefined) {
      const pa = out.pitchAlignment;
      out.pitches.forEach((p, i) => {
        if (p % pa !== 0) {
          throw new NegotiationError(
            `${pitchOwner} needs a pitch of exactly ${p} bytes for plane ${i}, ${alignOwner} needs pitches aligned to ${pa}`,
            'These devices cannot share one buffer; allocate one for each and copy',
          );
        }
      });
    }
    if (c.formats) {
      if (out.formats) {
        const common = intersectFormats(out.formats, c.formats);
        if (common.length === 0) {
          throw new NegotiationError(
            `${label} takes formats ${names(c.formats)}, ${formatOwner} takes ${names(out.formats)}: none in common`,
            'Pick a format both devices support, or convert between them',
          );
        }
        out.formats = common;
      } else {
        out.formats = [...c.formats];
      }
      formatOwner = formatOwner ? `${formatOwner} and ${label}` : label;
    }
    if (c.exporters) {
      out.exporters = out.exporters
        ? out.exporters.filter((e) => c.exporters?.includes(e))
        : [...c.exporters];
    }
  }
  return out;
}

function negotiationFailed(label: string, msg: string): never {
  throw new NegotiationError(`${label} ${msg}`);
}

/** The same format of the table ('R8' and 'R8  ', 'XR24' and 'XRGB8888'), or the same string. */
function sameFormat(a: string, b: string): boolean {
  if (a === b) return true;
  const fa = pixelFormat(a);
  return fa !== undefined && fa === pixelFormat(b);
}

function names(f: readonly FormatConstraint[]): string {
  return f.map((x) => x.format).join('/');
}

function intersectFormats(
  a: readonly FormatConstraint[],
  b: readonly FormatConstraint[],
): FormatConstraint[] {
  const out: FormatConstraint[] = [];
  for (const fa of a) {
    const fb = b.find((x) => sameFormat(x.format, fa.format));
    if (!fb) continue;
    const ma = fa.modifiers ?? [0n];
    const mb = fb.modifiers ?? [0n];
    const mods = ma.filter((m) => mb.includes(m));
    if (mods.length) out.push({ format: fa.format, modifiers: mods });
  }
  return out;
}

/**
 * Check an allocated buffer against one party's constraints. Throws a
 * NegotiationError whose message names the party, the buffer and both numbers,
 * e.g. "V4L2 /dev/video0 needs 614400 bytes per plane, buffer #3 (udmabuf) has 600000".
 */
export function checkLayout(
  layout: BufferLayout,
  party: LabelledConstraints,
  bufferLabel: string,
  segments?: number,
): void {
  assertLayout('layout', layout);
  assertParty('party', party);
  assertString('bufferLabel', bufferLabel);
  const { label, constraints: c } = party;
  if (c.minSize !== undefined && layout.size < c.minSize) {
    negotiationFailed(label, `needs ${c.minSize} bytes, ${bufferLabel} has ${layout.size}`);
  }
  c.minPlaneSizes?.forEach((need, i) => {
    const plane = layout.planes[i];
    const have = plane ? plane.size : i === 0 ? layout.size : 0;
    if (have < need) {
      negotiationFailed(
        label,
        `needs ${need} bytes ${c.minPlaneSizes!.length > 1 ? `in plane ${i}` : 'per plane'}, ${bufferLabel} has ${have}`,
      );
    }
  });
  if (c.alignment !== undefined && layout.size % c.alignment !== 0) {
    negotiationFailed(
      label,
      `needs a size aligned to ${c.alignment} bytes, ${bufferLabel} has ${layout.size}`,
    );
  }
  c.pitches?.forEach((need, i) => {
    const have = layout.planes[i]?.pitch;
    if (have !== undefined && have !== 0 && have !== need)
      negotiationFailed(label, `needs a pitch of ${need} bytes in plane ${i}, ${bufferLabel} has ${have}`);
  });
  if (c.pitchAlignment !== undefined) {
    layout.planes.forEach((p, i) => {
      if (p.pitch % c.pitchAlignment! !== 0)
        negotiationFailed(
          label,
          `needs pitches aligned to ${c.pitchAlignment}, ${bufferLabel} plane ${i} has ${p.pitch}`,
        );
    });
  }
  const rows0 =
    layout.planes[0] && layout.planes[0].pitch > 0 ? layout.planes[0].size / layout.planes[0].pitch : 0;
  if (c.heightAlignment !== undefined && layout.height !== undefined && rows0 > 0) {
    const need = Math.ceil(layout.height / c.heightAlignment) * c.heightAlignment;
    if (rows0 < need)
      negotiationFailed(
        label,
        `needs ${need} rows in plane 0 (height ${layout.height} aligned to ${c.heightAlignment}), ${bufferLabel} has ${rows0}`,
      );
  }
  if (c.contiguous && segments !== undefined && segments > 1) {
    negotiationFailed(label, `needs contiguous memory, ${bufferLabel} has ${segments} segments`);
  }
  if (c.formats && layout.format) {
    const f = c.formats.find((x) => sameFormat(x.format, layout.format!));
    if (!f) negotiationFailed(label, `takes formats ${names(c.formats)}, ${bufferLabel} is ${layout.format}`);
    const mod = layout.modifier ?? 0n;
    const takes = f?.modifiers ?? [0n];
    if (!takes.includes(mod))
      negotiationFailed(
        label,
        `takes ${layout.format} with modifiers ${modifierList(takes)}, ${bufferLabel} has ${modifierList([mod])}`,
      );
  }
}

/**
 * Check a device about to attach to an allocated buffer: its constraints
 * against the layout (checkLayout), and its list of exporters, if it has
 * one, against the buffer's exp_name (`expName` undefined: an exporter
 * without kernel names, nothing to check).
 */
export function checkAttachable(
  layout: BufferLayout,
  party: LabelledConstraints,
  bufferLabel: string,
  expName: string | undefined,
): void {
  checkLayout(layout, party, bufferLabel);
  const exporters = party.constraints.exporters;
  if (exporters && expName && !exporters.includes(expName)) {
    throw new LifecycleError(`${party.label} cannot import from exporter ${expName} (${bufferLabel})`, {
      code: 'ENODEV',
      hint: `Allocate from one of: ${exporters.join(', ')}; or copy into such a buffer`,
    });
  }
}

/**
 * For exporters, at allocate: refuse (ENODEV, before allocating) when the
 * attached devices import only from other exporters (constraints.exporters)
 * and `expName` is not one of them. `source` says what this allocation is
 * ('udmabuf', 'the system heap').
 */
export function checkExporterWanted(constraints: Constraints, expName: string, source: string): void {
  assertConstraints('constraints', constraints);
  assertString('expName', expName);
  assertString('source', source);
  const exporters = constraints.exporters;
  if (!exporters || exporters.includes(expName)) return;
  throw new DmaBufError(`an attached device imports only from ${exporters.join(', ')}, not from ${source}`, {
    code: 'ENODEV',
    hint: `Export with one of: ${exporters.join(', ')}`,
  });
}

/**
 * Check the scatterlist an exporter's map returned against the attachment's
 * constraints: a device that needs contiguous memory gets one segment, and
 * the table covers what the device needs. The kernel importer re-derives the
 * real scatterlist from the fd, so this is what userspace can know of it.
 */
export function checkTable(table: SgTable, party: LabelledConstraints, bufferLabel: string): void {
  const c = party.constraints;
  if (c.contiguous && table.segments.length > 1) {
    throw new NegotiationError(
      `${party.label} needs contiguous memory, ${bufferLabel} maps as ${table.segments.length} segments`,
      'Allocate from a contiguous exporter (a CMA dma-heap, or udmabuf with hugetlb for up to 2 MiB)',
    );
  }
  if (c.minSize !== undefined && table.size < c.minSize) {
    throw new NegotiationError(`${party.label} needs ${c.minSize} bytes, ${bufferLabel} maps ${table.size}`);
  }
}

/**
 * What an allocation must satisfy: the export request's constraints merged
 * with every attached device's; a request with none and no device attached
 * gets {} (nothing to check).
 */
export function allocationConstraints(
  request: Constraints,
  parties: readonly LabelledConstraints[],
): Constraints {
  if (parties.length === 0 && request === NO_CONSTRAINTS) return {};
  return mergeConstraints([{ label: 'the export request', constraints: request }, ...parties]);
}
