import { invalidArgument } from '@dmabuf/core';
import { assertArrayOf, assertMode, assertText } from '../check.js';
import { DRM_MODE_TYPE_PREFERRED } from '../constants.js';
import { DrmError } from '../errors.js';
import type { DrmModeInfo } from '../native.js';

/** A mode to ask for: '1280x800', '1280x800@60', or { width, height, refresh? }. */
export type ModeRequest = string | ModeSize;

/** A mode by its size and, optionally, its refresh rate. */
export interface ModeSize {
  /** Visible pixels per line (hdisplay). */
  width: number;
  /** Visible lines (vdisplay). */
  height: number;
  /** Refresh rate in Hz, matched within 1 Hz; omitted: the preferred mode of that size, else the fastest. */
  refresh?: number;
}

/** '1280x800@60' for messages. */
export function describeMode(m: DrmModeInfo): string {
  assertMode('m', m);
  return `${m.hdisplay}x${m.vdisplay}@${refreshOf(m)}`;
}

/** Refresh rate in Hz (from the timings when vrefresh is 0). */
export function refreshOf(m: DrmModeInfo): number {
  assertMode('m', m);
  if (m.vrefresh) return m.vrefresh;
  if (!m.htotal || !m.vtotal) return 0;
  return Math.round((m.clock * 1000) / (m.htotal * m.vtotal));
}

export function isPreferred(m: DrmModeInfo): boolean {
  return (m.type & DRM_MODE_TYPE_PREFERRED) !== 0;
}

/** Parse a mode request into numbers; typed error for anything else. */
export function parseModeRequest(want: ModeRequest): ModeSize {
  if (typeof want === 'string') {
    const m = /^(\d+)x(\d+)(?:@(\d+(?:\.\d+)?))?$/.exec(want.trim());
    if (!m) throw invalidArgument('mode', "'WIDTHxHEIGHT' or 'WIDTHxHEIGHT@HZ' (e.g. '1280x800@60')", want);
    return {
      width: Number(m[1]),
      height: Number(m[2]),
      ...(m[3] !== undefined ? { refresh: Number(m[3]) } : {}),
    };
  }
  if (
    typeof want !== 'object' ||
    want === null ||
    !Number.isInteger(want.width) ||
    !Number.isInteger(want.height) ||
    want.width <= 0 ||
    want.height <= 0
  ) {
    throw invalidArgument('mode', '{ width, height, refresh? } with positive integers', want);
  }
  if (want.refresh !== undefined && !(typeof want.refresh === 'number' && want.refresh > 0))
    throw invalidArgument('mode.refresh', 'a positive number of Hz', want.refresh);
  return want;
}

/**
 * Pick a mode from a connector's list: the preferred one (else the first,
 * which the kernel sorts largest first), or the one asked for (preferred
 * among equals, then the highest refresh). Pure.
 */
export function chooseMode(
  modes: readonly DrmModeInfo[],
  want: ModeRequest | undefined,
  device: string,
  connector: string,
): DrmModeInfo {
  assertArrayOf('modes', modes, assertMode);
  assertText('device', device);
  assertText('connector', connector);
  if (modes.length === 0) {
    throw new DrmError(device, `connector ${connector} lists no modes`, {
      code: 'ENOENT',
      hint: 'Check the display cable/EDID; a connected display lists at least one mode',
    });
  }
  if (want === undefined) return modes.find(isPreferred) ?? modes[0]!;
  const w = parseModeRequest(want);
  const matches = modes.filter(
    (m) =>
      m.hdisplay === w.width &&
      m.vdisplay === w.height &&
      (w.refresh === undefined || Math.abs(refreshOf(m) - w.refresh) < 1),
  );
  if (matches.length === 0) {
    const list = [...new Set(modes.map(describeMode))].join(', ');
    throw new DrmError(
      device,
      `connector ${connector} has no mode ${w.width}x${w.height}${w.refresh !== undefined ? `@${w.refresh}` : ''}`,
      {
        code: 'EINVAL',
        hint: `Pick one of: ${list}`,
      },
    );
  }
  return [...matches].sort(
    (a, b) => Number(isPreferred(b)) - Number(isPreferred(a)) || refreshOf(b) - refreshOf(a),
  )[0]!;
}

/**
 * The mode a display starts in: the one asked for; else the mode the CRTC
 * runs now (kept: nothing on screen changes size); else the connector's
 * preferred one. Returns it with a sentence saying why. Pure.
 */
export function initialMode(
  modes: readonly DrmModeInfo[],
  current: DrmModeInfo | undefined,
  want: ModeRequest | undefined,
  device: string,
  connector: string,
): {
  /** The mode to set. */
  mode: DrmModeInfo;
  /** Why that one, in a sentence ('mode 1280x800@60 as asked'). */
  why: string;
} {
  assertArrayOf('modes', modes, assertMode);
  if (current !== undefined) assertMode('current', current);
  assertText('device', device);
  assertText('connector', connector);
  if (want !== undefined) {
    const mode = chooseMode(modes, want, device, connector);
    return { mode, why: `mode ${describeMode(mode)} as asked` };
  }
  if (current && current.hdisplay > 0 && current.vdisplay > 0)
    return { mode: current, why: `current mode ${describeMode(current)} kept` };
  const mode = chooseMode(modes, undefined, device, connector);
  return {
    mode,
    why: `the CRTC was off: ${isPreferred(mode) ? 'the preferred' : 'the first'} mode ${describeMode(mode)}`,
  };
}
