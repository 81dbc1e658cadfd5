import { invalidArgument } from '@dmabuf/core';
import { assertArrayOf, assertCount, assertPlane, assertRecord } from '../check.js';
import { AtomicRequest } from './atomic.js';
import type { CommitProps } from './commit.js';
import { setPlane } from './commit.js';
import type { Framebuffer } from './framebuffer.js';
import type { Rect } from './placement.js';
import type { KmsPlane } from './snapshot.js';

/** One picture of a composition: a framebuffer, where it goes on the CRTC and which part of it. */
export interface Layer {
  /** The picture: a framebuffer added on the same device. */
  framebuffer: Framebuffer;
  /** Top-left corner on the CRTC (default 0, 0). */
  x?: number;
  /** Top edge on the CRTC, in rows (default 0). */
  y?: number;
  /** Size on the CRTC (default: the source's size, 1:1). Another size needs a plane that scales. */
  width?: number;
  /** Height on the CRTC, in rows (default: the source's height). */
  height?: number;
  /** The part of the framebuffer shown (default: all of it). */
  src?: Rect;
}

/** How a plane stacks: its zpos property, when the driver has one. */
export interface PlaneStacking {
  /** The plane's zpos now (undefined: no zpos property: the driver's fixed order). */
  zpos?: number;
  /** zpos can be set (a range property without the IMMUTABLE flag), within [min, max]. */
  mutable?: {
    /** The lowest zpos it takes. */
    min: number;
    /** The highest zpos it takes. */
    max: number;
  };
}

/** A layer with the plane chosen for it. */
export interface LayerPlacement {
  /** Index in the layers given (0 = bottom). */
  layer: number;
  /** The plane that shows it. */
  plane: {
    /** The plane's KMS object id. */
    id: number;
    /** Its type: 'primary', 'overlay', 'cursor' or 'unknown'. */
    type: KmsPlane['type'];
  };
  /** The part of the framebuffer shown, in its pixels. */
  src: Rect;
  /** Where it goes on the CRTC, in pixels of the mode. */
  dst: Rect;
  /** The zpos set for the plane (only where the driver lets it be set). */
  zpos?: number;
}

/** A layer's rectangles, defaults filled in and checked against the framebuffer (typed errors). */
export function layerRects(
  layer: Layer,
  i: number,
): {
  /** The part of the framebuffer shown (all of it by default). */
  src: Rect;
  /** Where it goes on the CRTC (at x, y; the source's size by default). */
  dst: Rect;
} {
  assertCount('i', i);
  assertRecord(`layers[${i}]`, layer);
  assertRecord(`layers[${i}].framebuffer`, layer.framebuffer);
  if (layer.src !== undefined) assertRecord(`layers[${i}].src`, layer.src);
  const fb = layer.framebuffer;
  const src = layer.src ?? { x: 0, y: 0, width: fb.width, height: fb.height };
  for (const k of ['x', 'y', 'width', 'height'] as const) {
    if (!Number.isSafeInteger(src[k]) || src[k] < 0)
      throw invalidArgument(`layers[${i}].src.${k}`, 'a whole number ≥ 0', src[k]);
  }
  if (src.width < 1 || src.height < 1 || src.x + src.width > fb.width || src.y + src.height > fb.height)
    throw invalidArgument(
      `layers[${i}].src`,
      `a rectangle of at least 1x1 inside ${fb.label}`,
      `${src.width}x${src.height}+${src.x}+${src.y}`,
    );
  const dst = {
    x: layer.x ?? 0,
    y: layer.y ?? 0,
    width: layer.width ?? src.width,
    height: layer.height ?? src.height,
  };
  for (const k of ['x', 'y'] as const) {
    if (!Number.isSafeInteger(dst[k]) || Math.abs(dst[k]) > 16384)
      throw invalidArgument(`layers[${i}].${k}`, 'a whole number of pixels', dst[k]);
  }
  for (const k of ['width', 'height'] as const) {
    if (!Number.isSafeInteger(dst[k]) || dst[k] < 1 || dst[k] > 16384)
      throw invalidArgument(`layers[${i}].${k}`, 'a whole number of pixels between 1 and 16384', dst[k]);
  }
  return { src, dst };
}

/**
 * Which plane carries which layer, bottom to top. `candidates[i]` are the
 * planes that take layer i's format and modifier (best first). Planes whose
 * zpos can be set get zpos = their layer's rank; otherwise the order is the
 * driver's: immutable zpos values where it has them, else primary below
 * overlays and overlays in plane-id order (what drivers without zpos, vkms
 * among them, compose in). Each layer takes the lowest plane above the one
 * below it. Pure; undefined plus the reason when no assignment exists.
 */
export function assignPlanes(
  candidates: readonly (readonly KmsPlane[])[],
  stacking: (plane: KmsPlane) => PlaneStacking,
  all: readonly KmsPlane[],
):
  | {
      /** The plane of each layer, in layer order. */
      planes: KmsPlane[];
      /** The zpos to set on each plane (undefined where the driver's fixed order is used). */
      zpos: (number | undefined)[];
      /** How the stacking order is ensured, in words. */
      how: string;
    }
  | {
      /** Why no assignment exists, in words. */
      refused: string;
    } {
  assertArrayOf('candidates', candidates, (n, c) => assertArrayOf(n, c, assertPlane));
  if (typeof stacking !== 'function') throw invalidArgument('stacking', 'a function of a plane', stacking);
  assertArrayOf('all', all, assertPlane);
  const rank = (p: KmsPlane): number => {
    const s = stacking(p);
    if (s.zpos !== undefined && !s.mutable) return s.zpos;
    return (p.type === 'primary' ? 0 : 1) * 1e6 + p.id;
  };
  const everyMutable = all.every((p) => stacking(p).mutable !== undefined);
  const chosen: KmsPlane[] = [];
  const used = new Set<number>();
  let below = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < candidates.length; i++) {
    const options = [...candidates[i]!]
      .filter((p) => !used.has(p.id) && (everyMutable || rank(p) > below))
      .sort((a, b) => rank(a) - rank(b));
    const plane = options[0];
    if (!plane) {
      const takes = candidates[i]!.map((p) => `${p.id} (${p.type})`).join(', ') || 'none';
      return {
        refused: `no plane left for layer ${i} above the layers below it (planes taking its format: ${takes}; used: ${[...used].join(', ') || 'none'})`,
      };
    }
    used.add(plane.id);
    chosen.push(plane);
    below = rank(plane);
  }
  if (everyMutable) {
    const min = Math.max(...chosen.map((p) => stacking(p).mutable!.min));
    return {
      planes: chosen,
      zpos: chosen.map((_, i) => min + i),
      how: 'zpos set on each plane in layer order',
    };
  }
  const fixed = chosen.some((p) => stacking(p).zpos !== undefined);
  return {
    planes: chosen,
    zpos: chosen.map(() => undefined),
    how: fixed
      ? 'planes picked in the order of their immutable zpos'
      : 'no zpos property: planes picked in the driver’s order (primary, then overlays by id)',
  };
}

/** The atomic request that shows the layers on their planes and turns the CRTC's other planes off. Pure. */
export function layersRequest(
  props: CommitProps,
  crtcId: number,
  layers: readonly (LayerPlacement & { fbId: number })[],
  unused: readonly number[],
  head: AtomicRequest = new AtomicRequest(),
): AtomicRequest {
  for (const l of layers) {
    const p = props.planes.get(l.plane.id);
    setPlane(head, p, l.plane.id, crtcId, l.fbId, l.src, l.dst);
    if (l.zpos !== undefined) head.set(l.plane.id, p?.get('zpos')?.id, l.zpos);
  }
  for (const id of unused) {
    const p = props.planes.get(id);
    head.set(id, p?.get('FB_ID')?.id, 0).set(id, p?.get('CRTC_ID')?.id, 0);
  }
  return head;
}
