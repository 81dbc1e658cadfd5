import { invalidArgument } from '@dmabuf/core';
import { assertArrayOf, assertCrtc, assertPlane, assertRecord, assertText } from '../check.js';
import { UnsupportedFormatError } from '../errors.js';
import type { KmsCrtc, KmsPlane } from './snapshot.js';

/** A plane that cannot carry the picture, and why. */
export interface PlaneRefusal {
  /** The plane refused. */
  plane: KmsPlane;
  /** Why, in words ('does not take NV12 (takes XR24, AR24)', 'a cursor plane ...'). */
  why: string;
}

/** What a picture needs of a plane. */
export interface PlaneNeeds {
  /** DRM fourcc, e.g. 'NV12'. */
  format: string;
  /** Format modifier (default LINEAR, 0). */
  modifier?: bigint;
}

/** IN_FORMATS of a plane (format → modifiers), or undefined when the driver does not say. */
export type ModifiersOf = (plane: KmsPlane) => ReadonlyMap<string, readonly bigint[]> | undefined;

const hex = (m: bigint): string => `0x${m.toString(16)}`;
const label = (p: KmsPlane): string => `plane ${p.id} (${p.type})`;

/**
 * The planes of a CRTC that can carry a picture of a format and modifier,
 * best first (the CRTC's primary plane, then overlays), and why each other
 * plane of the device cannot: not on this CRTC, a cursor plane, the format
 * or the modifier not among the ones it takes. Pure.
 */
export function planesFor(
  planes: readonly KmsPlane[],
  crtc: KmsCrtc,
  needs: PlaneNeeds,
  modifiersOf: ModifiersOf = () => undefined,
): {
  /** The planes that can carry the picture, in the order given. */
  usable: KmsPlane[];
  /** The others, each with why not. */
  refused: PlaneRefusal[];
} {
  assertArrayOf('planes', planes, assertPlane);
  assertCrtc('crtc', crtc);
  assertRecord('needs', needs);
  assertText('needs.format', needs.format);
  if (needs.modifier !== undefined && typeof needs.modifier !== 'bigint')
    throw invalidArgument('needs.modifier', 'a bigint modifier', needs.modifier);
  if (typeof modifiersOf !== 'function')
    throw invalidArgument('modifiersOf', 'a function of a plane', modifiersOf);
  const modifier = needs.modifier ?? 0n;
  const bit = 1 << crtc.index;
  const usable: KmsPlane[] = [];
  const refused: PlaneRefusal[] = [];
  for (const plane of planes) {
    const why = refusal(plane, bit, crtc.id, needs.format, modifier, modifiersOf(plane));
    if (why) refused.push({ plane, why });
    else usable.push(plane);
  }
  const rank = (p: KmsPlane): number => (p.type === 'primary' ? 0 : p.type === 'overlay' ? 1 : 2);
  usable.sort((a, b) => rank(a) - rank(b) || a.id - b.id);
  return { usable, refused };
}

function refusal(
  plane: KmsPlane,
  crtcBit: number,
  crtcId: number,
  format: string,
  modifier: bigint,
  mods: ReadonlyMap<string, readonly bigint[]> | undefined,
): string | undefined {
  if ((plane.possibleCrtcs & crtcBit) === 0)
    return `not usable on CRTC ${crtcId} (possible_crtcs 0b${plane.possibleCrtcs.toString(2)})`;
  if (plane.type === 'cursor') return 'a cursor plane (small, for pointers: not used for pictures)';
  if (plane.type === 'primary' && plane.crtcId !== 0 && plane.crtcId !== crtcId)
    return `the primary plane of CRTC ${plane.crtcId}`;
  if (!plane.formats.includes(format)) return `does not take ${format} (takes ${plane.formats.join(', ')})`;
  const list = mods?.get(format);
  if (list && !list.includes(modifier))
    return `does not take modifier ${hex(modifier)} for ${format} (IN_FORMATS lists ${list.map(hex).join(', ') || 'none'})`;
  if (!list && modifier !== 0n)
    return `lists no modifiers (no IN_FORMATS), so only LINEAR; asked ${hex(modifier)}`;
  return undefined;
}

/** The refusals as one line per plane, for messages. */
export function describeRefusals(refused: readonly PlaneRefusal[]): string {
  assertArrayOf('refused', refused, (n, r) => {
    assertRecord(n, r);
    assertPlane(`${n}.plane`, (r as PlaneRefusal).plane);
  });
  return refused.map((r) => `${label(r.plane)}: ${r.why}`).join('; ');
}

/**
 * The usable planes, or an UnsupportedFormatError naming the format, the
 * modifier and every plane's reason when none fits.
 */
export function requirePlanes(
  device: string,
  planes: readonly KmsPlane[],
  crtc: KmsCrtc,
  needs: PlaneNeeds,
  modifiersOf?: ModifiersOf,
): KmsPlane[] {
  assertText('device', device);
  const { usable, refused } = planesFor(planes, crtc, needs, modifiersOf);
  if (usable.length) return usable;
  const modifier = needs.modifier ?? 0n;
  const takes = [...new Set(planes.filter((p) => p.type !== 'cursor').flatMap((p) => p.formats))];
  throw new UnsupportedFormatError(
    device,
    `no plane of CRTC ${crtc.id} takes ${needs.format} (modifier ${hex(modifier)}): ${describeRefusals(refused) || 'the device lists no planes'}`,
    needs.format,
    modifier,
    `Give the display a format its planes take: ${takes.join(', ') || 'none listed'} (LINEAR unless IN_FORMATS lists more), or convert the picture first`,
  );
}
