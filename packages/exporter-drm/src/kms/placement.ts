import { invalidArgument } from '@dmabuf/core';
import {
  assertArrayOf,
  assertMode,
  assertPlacement,
  assertPlane,
  assertRecord,
  assertSize,
} from '../check.js';
import type { DrmModeInfo } from '../native.js';
import { describeMode, isPreferred, refreshOf } from './mode.js';

/** A width and height in pixels. */
export interface Size {
  /** The width in pixels. */
  width: number;
  /** The height in rows. */
  height: number;
}

/** A rectangle in pixels: its top-left corner and its size. */
export interface Rect {
  /** The left edge, in pixels from the left. */
  x: number;
  /** The top edge, in rows from the top. */
  y: number;
  /** The width in pixels. */
  width: number;
  /** The height in rows. */
  height: number;
}

/**
 * How a picture goes on screen: 'full' (its size is the mode's), 'scaled'
 * (fit, aspect kept, centred: the plane scales), 'centred' (1:1 in the
 * middle: the plane can only position), 'mode' (a mode of the picture's size
 * is set: the only way left on this plane).
 */
export type PlacementKind = 'full' | 'scaled' | 'centred' | 'mode';

/** A plane that could carry the picture, as placement needs it. */
export interface PlacementPlane {
  /** The plane's KMS object id. */
  id: number;
  /** Its type (see PlaneType). */
  type: 'primary' | 'overlay' | 'cursor' | 'unknown';
}

/** One way to put the picture on screen. */
export interface Placement {
  /** How the picture is put on screen (see PlacementKind). */
  kind: PlacementKind;
  /** The plane that carries it. */
  plane: PlacementPlane;
  /** The part of the framebuffer shown (pixels). */
  src: Rect;
  /** Where it goes on the CRTC (pixels of `mode`). */
  dst: Rect;
  /** The mode the CRTC runs in with this placement. */
  mode: DrmModeInfo;
  /** True when `mode` differs from the mode the CRTC has now. */
  modeChange: boolean;
}

/** A candidate a driver refused, and what it said. */
export interface Refusal {
  /** The placement refused. */
  placement: Placement;
  /** What the driver said: the errno of the atomic TEST_ONLY commit, in words. */
  why: string;
}

/** The placement chosen, the ones refused before it, and a sentence saying why. */
export interface PlacementChoice {
  /** The placement to use. */
  placement: Placement;
  /** The better candidates tried first and refused, in order (empty when the first worked). */
  refused: Refusal[];
  /** A sentence saying why this one and what was refused before it, for logs. */
  reason: string;
}

/** The largest rectangle of the picture's aspect inside the screen, centred (whole pixels). */
export function fitRect(picture: Size, screen: Size): Rect {
  assertSize('picture', picture);
  assertSize('screen', screen);
  const scale = Math.min(screen.width / picture.width, screen.height / picture.height);
  const width = Math.min(screen.width, Math.round(picture.width * scale));
  const height = Math.min(screen.height, Math.round(picture.height * scale));
  return {
    x: Math.floor((screen.width - width) / 2),
    y: Math.floor((screen.height - height) / 2),
    width,
    height,
  };
}

/** The picture at 1:1 in the middle of the screen; undefined when it does not fit. */
export function centredRect(picture: Size, screen: Size): Rect | undefined {
  assertSize('picture', picture);
  assertSize('screen', screen);
  if (picture.width > screen.width || picture.height > screen.height) return undefined;
  return {
    x: Math.floor((screen.width - picture.width) / 2),
    y: Math.floor((screen.height - picture.height) / 2),
    width: picture.width,
    height: picture.height,
  };
}

const whole = (s: Size): Rect => ({ x: 0, y: 0, width: s.width, height: s.height });
const sizeOf = (m: DrmModeInfo): Size => ({ width: m.hdisplay, height: m.vdisplay });
const sameSize = (a: Size, b: Size): boolean => a.width === b.width && a.height === b.height;

/** The connector's modes of exactly the picture's size, preferred first, then the highest refresh. */
export function modesOfSize(modes: readonly DrmModeInfo[], picture: Size): DrmModeInfo[] {
  assertArrayOf('modes', modes, assertMode);
  assertSize('picture', picture);
  return modes
    .filter((m) => m.hdisplay === picture.width && m.vdisplay === picture.height)
    .sort((a, b) => Number(isPreferred(b)) - Number(isPreferred(a)) || refreshOf(b) - refreshOf(a));
}

/**
 * Every way to show a picture, best first: on each plane (in the order
 * given) full screen when the sizes match, else scaled to fit, else centred
 * at 1:1; then, unless the mode is fixed (asked for), a mode of the picture's
 * size on each plane. Pure: which of these the driver takes is for a test
 * commit (or a rule) to say.
 */
export function placementCandidates(args: {
  picture: Size;
  mode: DrmModeInfo;
  modes: readonly DrmModeInfo[];
  planes: readonly PlacementPlane[];
  /** The mode was asked for explicitly: never change it. */
  modeFixed: boolean;
}): Placement[] {
  assertRecord('args', args);
  assertSize('args.picture', args.picture);
  assertMode('args.mode', args.mode);
  assertArrayOf('args.modes', args.modes, assertMode);
  assertArrayOf('args.planes', args.planes, assertPlane);
  const { picture, mode, planes } = args;
  const screen = sizeOf(mode);
  const out: Placement[] = [];
  for (const plane of planes) {
    const src = whole(picture);
    if (sameSize(picture, screen)) {
      out.push({ kind: 'full', plane, src, dst: whole(screen), mode, modeChange: false });
      continue;
    }
    out.push({ kind: 'scaled', plane, src, dst: fitRect(picture, screen), mode, modeChange: false });
    const c = centredRect(picture, screen);
    if (c) out.push({ kind: 'centred', plane, src, dst: c, mode, modeChange: false });
  }
  if (args.modeFixed || sameSize(picture, screen)) return out;
  for (const m of modesOfSize(args.modes, picture)) {
    for (const plane of planes) {
      out.push({ kind: 'mode', plane, src: whole(picture), dst: whole(picture), mode: m, modeChange: true });
    }
  }
  return out;
}

/** 'plane 32 (primary)'. */
export function planeLabel(p: PlacementPlane): string {
  return `plane ${p.id} (${p.type})`;
}

const rect = (r: Rect): string => `${r.width}x${r.height}+${r.x}+${r.y}`;

/** One line for a placement: 'plane 32 (primary) scaled 640x480 → 1067x800+106+0 in 1280x800@75'. */
export function describePlacement(p: Placement): string {
  assertPlacement('p', p);
  const what =
    p.kind === 'full'
      ? `full screen ${p.src.width}x${p.src.height}`
      : p.kind === 'scaled'
        ? `scaled ${p.src.width}x${p.src.height} → ${rect(p.dst)}`
        : p.kind === 'centred'
          ? `centred 1:1 at ${rect(p.dst)}`
          : `full screen in a mode of the picture's size`;
  return `${planeLabel(p.plane)} ${what} in ${describeMode(p.mode)}`;
}

/**
 * Take the first candidate `test` accepts (`test` returns undefined to
 * accept, else why it refused). Returns the choice with every refusal and a
 * sentence saying what was chosen and why; undefined when every candidate
 * was refused (the refusals are then in `refused`).
 */
export function choosePlacement(
  candidates: readonly Placement[],
  test: (p: Placement) => string | undefined,
  refused: Refusal[] = [],
): PlacementChoice | undefined {
  assertArrayOf('candidates', candidates, assertPlacement);
  if (typeof test !== 'function') throw invalidArgument('test', 'a function of a placement', test);
  if (!Array.isArray(refused)) throw invalidArgument('refused', 'an array', refused);
  for (const placement of candidates) {
    const why = test(placement);
    if (why === undefined) return { placement, refused, reason: explain(placement, refused) };
    refused.push({ placement, why });
  }
  return undefined;
}

function explain(p: Placement, refused: readonly Refusal[]): string {
  const before = refused.length
    ? `; before it, refused: ${refused.map((r) => `${describePlacement(r.placement)} (${r.why})`).join('; ')}`
    : '';
  const why =
    p.kind === 'full'
      ? 'the picture is the size of the current mode'
      : p.kind === 'scaled'
        ? 'the plane scales: the picture fills the screen, aspect kept, current mode kept'
        : p.kind === 'centred'
          ? 'the plane positions but does not scale: the picture in the middle at 1:1, current mode kept'
          : `MODE CHANGE to ${describeMode(p.mode)}: no plane could scale or position the picture in the current mode, and the connector has a mode of its size`;
  return `${describePlacement(p)}: ${why}${before}`;
}

/**
 * The rule legacy (non-atomic) KMS follows: SETCRTC and PAGE_FLIP show a
 * framebuffer on the primary plane from its top-left corner, covering the
 * whole mode; nothing is scaled or positioned. Pure.
 */
export function legacyRule(p: Placement): string | undefined {
  assertPlacement('p', p);
  if (p.plane.type !== 'primary') return 'legacy modesetting drives the primary plane only';
  if (p.kind === 'scaled' || p.kind === 'centred')
    return 'legacy modesetting neither scales nor positions (use atomic)';
  return undefined;
}
