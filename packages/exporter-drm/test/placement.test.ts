import { describe, expect, it } from 'vitest';
import {
  centredRect,
  choosePlacement,
  describeMode,
  fitRect,
  initialMode,
  legacyRule,
  type Placement,
  placementCandidates,
  planesFor,
  requirePlanes,
  UnsupportedFormatError,
} from '../src/index.js';
import { mode, snapshot } from './fixtures.js';

/**
 * What the kernel's drm_atomic_helper_check_plane_state() decides, per
 * plane: a plane that cannot position must cover the whole CRTC; one that
 * cannot scale must show its source 1:1. (virtio-gpu's primary: neither;
 * vkms's planes: position only; most SoC overlays: both.)
 */
function kernelRule(caps: Record<number, { scale: boolean; position: boolean }>) {
  return (p: Placement): string | undefined => {
    const c = caps[p.plane.id]!;
    const scaled = p.src.width !== p.dst.width || p.src.height !== p.dst.height;
    const covers =
      p.dst.x === 0 && p.dst.y === 0 && p.dst.width === p.mode.hdisplay && p.dst.height === p.mode.vdisplay;
    if (scaled && !c.scale) return 'EINVAL (no scaling)';
    if (!covers && !c.position) return 'EINVAL (must cover the CRTC)';
    return undefined;
  };
}

const M1280 = mode(1280, 800, 75, true);
const modes = [mode(1920, 1080, 60), M1280, mode(1280, 800, 60), mode(640, 480, 60), mode(640, 480, 75)];
const primary = { id: 32, type: 'primary' as const };
const overlay = { id: 33, type: 'overlay' as const };

describe('placing a picture: rectangles', () => {
  it('fits keeping the aspect, centred; centres 1:1 only when the picture fits', () => {
    expect(fitRect({ width: 640, height: 480 }, { width: 1280, height: 800 })).toEqual({
      x: 106,
      y: 0,
      width: 1067,
      height: 800,
    });
    expect(fitRect({ width: 1920, height: 1080 }, { width: 1280, height: 800 })).toEqual({
      x: 0,
      y: 40,
      width: 1280,
      height: 720,
    });
    expect(centredRect({ width: 640, height: 480 }, { width: 1280, height: 800 })).toEqual({
      x: 320,
      y: 160,
      width: 640,
      height: 480,
    });
    expect(centredRect({ width: 1920, height: 1080 }, { width: 1280, height: 800 })).toBeUndefined();
  });
});

describe('placing a picture: which way, against what the planes can do', () => {
  const cands = (planes = [primary, overlay], modeFixed = false, picture = { width: 640, height: 480 }) =>
    placementCandidates({ picture, mode: M1280, modes, planes, modeFixed });

  it('a picture of the mode size goes full screen on the primary plane, mode kept', () => {
    const c = choosePlacement(
      cands([primary], false, { width: 1280, height: 800 }),
      kernelRule({ 32: { scale: false, position: false } }),
    )!;
    expect(c.placement).toMatchObject({ kind: 'full', modeChange: false, plane: primary });
    expect(c.reason).toMatch(/size of the current mode/);
  });

  it('scales to fit where the plane scales (current mode kept)', () => {
    const c = choosePlacement(
      cands(),
      kernelRule({ 32: { scale: true, position: true }, 33: { scale: true, position: true } }),
    )!;
    expect(c.placement).toMatchObject({ kind: 'scaled', plane: primary, modeChange: false });
    expect(c.placement.dst).toEqual({ x: 106, y: 0, width: 1067, height: 800 });
    expect(c.refused).toEqual([]);
    expect(c.reason).toMatch(
      /plane 32 \(primary\) scaled 640x480 → 1067x800\+106\+0 in 1280x800@75: the plane scales/,
    );
  });

  it('centres at 1:1 where a plane only positions — an overlay, when the primary can neither (vkms-like)', () => {
    const c = choosePlacement(
      cands(),
      kernelRule({ 32: { scale: false, position: false }, 33: { scale: false, position: true } }),
    )!;
    expect(c.placement).toMatchObject({ kind: 'centred', plane: overlay, modeChange: false });
    expect(c.placement.dst).toEqual({ x: 320, y: 160, width: 640, height: 480 });
    expect(c.refused.map((r) => `${r.placement.plane.id} ${r.placement.kind}`)).toEqual([
      '32 scaled',
      '32 centred',
      '33 scaled',
    ]);
    expect(c.reason).toMatch(/positions but does not scale.*refused: plane 32 \(primary\) scaled/);
  });

  it('changes the mode, announced, only when no plane can scale or position and the connector has the size (virtio-gpu)', () => {
    const c = choosePlacement(cands([primary]), kernelRule({ 32: { scale: false, position: false } }))!;
    expect(c.placement).toMatchObject({ kind: 'mode', plane: primary, modeChange: true });
    expect(describeMode(c.placement.mode)).toBe('640x480@75'); // the highest refresh of that size
    expect(c.reason).toMatch(/MODE CHANGE to 640x480@75/);
    expect(c.refused).toHaveLength(2);
  });

  it('gives up (undefined, refusals kept) when nothing works: no mode of the size, or the mode fixed by request', () => {
    const rule = kernelRule({ 32: { scale: false, position: false } });
    const odd = cands([primary], false, { width: 1234, height: 567 });
    const refused: { why: string }[] = [];
    expect(choosePlacement(odd, rule, refused as never)).toBeUndefined();
    expect(refused.map((r) => r.why)).toEqual(['EINVAL (no scaling)', 'EINVAL (must cover the CRTC)']);
    expect(choosePlacement(cands([primary], true), rule)).toBeUndefined();
  });

  it('legacy modesetting: full screen on the primary plane, or a mode change', () => {
    const c = choosePlacement(cands([primary]), legacyRule)!;
    expect(c.placement.kind).toBe('mode');
    expect(legacyRule({ ...c.placement, plane: overlay })).toMatch(/primary plane only/);
  });
});

describe('choosing a plane by format and modifier', () => {
  const kms = () => {
    const s = snapshot();
    s.planes.push(
      {
        id: 33,
        type: 'overlay',
        possibleCrtcs: 0b10,
        crtcId: 0,
        fbId: 0,
        formats: ['XR24', 'NV12', 'YUYV'],
        inFormatsBlob: 9,
      },
      {
        id: 34,
        type: 'overlay',
        possibleCrtcs: 0b01,
        crtcId: 0,
        fbId: 0,
        formats: ['NV12'],
        inFormatsBlob: 0,
      },
    );
    return s;
  };
  const crtc41 = () => kms().crtcs[1]!;
  const mods = (p: { id: number }) =>
    p.id === 33
      ? new Map([
          ['NV12', [0n, 0x0100000000000001n]],
          ['XR24', [0n]],
          ['YUYV', [0n]],
        ])
      : undefined;

  it('takes the primary plane first, then overlays that take the format', () => {
    const r = planesFor(kms().planes, crtc41(), { format: 'XR24' }, mods);
    expect(r.usable.map((p) => p.id)).toEqual([32, 33]);
    const yuv = planesFor(kms().planes, crtc41(), { format: 'NV12' }, mods);
    expect(yuv.usable.map((p) => p.id)).toEqual([33]);
    expect(yuv.refused.map((r) => `${r.plane.id}: ${r.why}`)).toEqual([
      '30: not usable on CRTC 41 (possible_crtcs 0b1)',
      '31: a cursor plane (small, for pointers: not used for pictures)',
      '32: does not take NV12 (takes XR24)',
      '34: not usable on CRTC 41 (possible_crtcs 0b1)',
    ]);
  });

  it('checks the modifier against IN_FORMATS; LINEAR only where the plane lists none', () => {
    const tiled = 0x0100000000000001n;
    expect(
      planesFor(kms().planes, crtc41(), { format: 'NV12', modifier: tiled }, mods).usable.map((p) => p.id),
    ).toEqual([33]);
    const r = planesFor(kms().planes, crtc41(), { format: 'XR24', modifier: tiled }, mods);
    expect(r.usable).toEqual([]);
    expect(r.refused.find((x) => x.plane.id === 32)!.why).toMatch(
      /lists no modifiers.*only LINEAR; asked 0x100000000000001/,
    );
    expect(r.refused.find((x) => x.plane.id === 33)!.why).toMatch(
      /does not take modifier 0x100000000000001 for XR24 \(IN_FORMATS lists 0x0\)/,
    );
  });

  it('refuses with every plane’s reason and the formats there are when none fits', () => {
    const e = (() => {
      try {
        requirePlanes('DRM card1 (x)', kms().planes, crtc41(), { format: 'UYVY' }, mods);
      } catch (err) {
        return err as UnsupportedFormatError;
      }
    })()!;
    expect(e).toBeInstanceOf(UnsupportedFormatError);
    expect(e.code).toBe('EINVAL');
    expect(e.format).toBe('UYVY');
    expect(e.message).toMatch(
      /no plane of CRTC 41 takes UYVY \(modifier 0x0\): plane 30 \(primary\): not usable.*plane 33 \(overlay\): does not take UYVY \(takes XR24, NV12, YUYV\)/,
    );
    expect(e.hint).toMatch(/XR24, AR24, NV12, YUYV/);
  });
});

describe('the mode a display starts in', () => {
  it('keeps the current mode; the preferred one when the CRTC is off; the one asked for when asked', () => {
    expect(initialMode(modes, mode(1920, 1080, 60), undefined, 'dev', 'c')).toMatchObject({
      why: 'current mode 1920x1080@60 kept',
    });
    expect(initialMode(modes, undefined, undefined, 'dev', 'c').why).toBe(
      'the CRTC was off: the preferred mode 1280x800@75',
    );
    expect(initialMode(modes, M1280, '640x480', 'dev', 'c').why).toBe('mode 640x480@75 as asked');
    expect(() => initialMode(modes, M1280, '1234x567', 'dev', 'Virtual-1')).toThrow(
      /Virtual-1 has no mode 1234x567.*Pick one of/,
    );
  });
});
