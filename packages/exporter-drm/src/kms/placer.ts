import { errnoName } from '@dmabuf/core';
import { DRM_MODE_ATOMIC } from '../constants.js';
import type { DrmDevice } from '../device.js';
import { DrmError } from '../errors.js';
import { type DrmModeInfo, drmNative } from '../native.js';
import { drmCheck } from '../syscall.js';
import { BlackBackground } from './background.js';
import { disableRequest, placementRequest } from './commit.js';
import { type Composition, planComposition } from './composition.js';
import type { Framebuffer } from './framebuffer.js';
import type { Layer } from './layers.js';
import { describeMode } from './mode.js';
import {
  choosePlacement,
  describePlacement,
  legacyRule,
  type Placement,
  type PlacementChoice,
  placementCandidates,
  type Refusal,
} from './placement.js';
import type { PlaneSet } from './plane-set.js';

export interface PlacerSetup {
  device: DrmDevice;
  planes: PlaneSet;
  connectorId: number;
  connector: string;
  crtcId: number;
  modes: readonly DrmModeInfo[];
  /** The display's mode before any picture. */
  mode: DrmModeInfo;
  /** The mode was asked for: placements never change it. */
  modeFixed: boolean;
  atomic: boolean;
}

/**
 * Places pictures for a display: for each new picture size and format, the
 * planes that take it, the candidate placements (placement.ts), the first
 * one the driver accepts in a TEST_ONLY commit (or the legacy rule), then
 * the real commit. Owns the mode blobs and the black background it made.
 */
export class Placer {
  readonly #s: PlacerSetup;
  #mode: DrmModeInfo;
  #choice: PlacementChoice | undefined;
  #format = '';
  #modifier = 0n;
  #placed = false;
  readonly #blobs = new Map<DrmModeInfo, number>();
  readonly #backgrounds = new Map<string, BlackBackground>();
  /** Planes other than the primary this display turned on. */
  readonly #lit = new Set<number>();

  constructor(setup: PlacerSetup) {
    this.#s = setup;
    this.#mode = setup.mode;
  }

  get mode(): DrmModeInfo {
    return this.#mode;
  }

  get choice(): PlacementChoice | undefined {
    return this.#choice;
  }

  get format(): string {
    return this.#format;
  }

  /** Something is on screen through this display (the CRTC needs restoring). */
  get placed(): boolean {
    return this.#placed;
  }

  /** The framebuffer has the size, format and modifier of the placed picture: a plain flip shows it. */
  fits(fb: Framebuffer): boolean {
    const p = this.#choice?.placement;
    return (
      p !== undefined &&
      this.#placed &&
      fb.width === p.src.width &&
      fb.height === p.src.height &&
      fb.format === this.#format &&
      fb.modifier === this.#modifier
    );
  }

  /** The placement a plain flip to `fb` uses; typed error before the first show() or for a picture of another size or format. */
  assertFlippable(fb: Framebuffer): Placement {
    const s = this.#s;
    const placement = this.#choice?.placement;
    if (!placement || !this.#placed)
      throw new DrmError(s.device.label, `${s.connector}: flip before the first show()`, {
        code: 'EINVAL',
        hint: 'show() a framebuffer first: it places the picture (and sets the mode if need be)',
      });
    if (!this.fits(fb))
      throw new DrmError(
        s.device.label,
        `${s.connector}: flip to ${fb.label}, but the picture placed is ${placement.src.width}x${placement.src.height} ${this.#format}`,
        { code: 'EINVAL', hint: 'show() a picture of another size or format: it is placed anew' },
      );
    return placement;
  }

  /** Choose a placement for the framebuffer's picture by test commits, without showing anything. Throws when none works. */
  plan(fb: Framebuffer): PlacementChoice {
    const s = this.#s;
    const planes = s.planes.forPicture({ format: fb.format, modifier: fb.modifier });
    const candidates = placementCandidates({
      picture: { width: fb.width, height: fb.height },
      mode: this.#mode,
      modes: s.modes,
      planes: planes.map((p) => ({ id: p.id, type: p.type })),
      modeFixed: s.modeFixed,
    });
    const refused: Refusal[] = [];
    const choice = choosePlacement(
      candidates,
      (p) => (s.atomic ? this.#test(p, fb) : legacyRule(p)),
      refused,
    );
    if (choice) return choice;
    const size = `${fb.width}x${fb.height}`;
    const modes = [...new Set(s.modes.map(describeMode))].join(', ');
    const tried = refused.map((r) => `${describePlacement(r.placement)} (${r.why})`).join('; ') || 'none';
    throw new DrmError(
      s.device.label,
      `${s.connector}: cannot show a ${size} ${fb.format} picture in ${describeMode(this.#mode)}: no plane scales or positions it here, and ${
        s.modeFixed
          ? `the mode ${describeMode(this.#mode)} was fixed by request`
          : `${s.connector} has no mode ${size}`
      } (every placement refused: ${tried})`,
      {
        code: 'EINVAL',
        hint: `Pick one of: ${modes} (a picture of a mode's size, or ask for the mode), or use a display whose planes scale or position`,
      },
    );
  }

  /** Choose a placement for the framebuffer's picture and commit it (blocking). Throws, screen unchanged, when none works. */
  place(fb: Framebuffer): PlacementChoice {
    const choice = this.plan(fb);
    this.#commit(choice.placement, fb);
    this.#choice = choice;
    this.#format = fb.format;
    this.#modifier = fb.modifier;
    this.#mode = choice.placement.mode;
    this.#placed = true;
    return choice;
  }

  /**
   * Show several framebuffers at once, one plane each, stacked bottom to top
   * (layers[0] lowest), in the current mode: checked by a TEST_ONLY commit,
   * then committed (blocking). Throws, screen unchanged, when the driver
   * refuses. The next show() places its picture anew.
   */
  compose(layers: readonly Layer[]): Composition {
    const s = this.#s;
    const plan = planComposition(s, layers, (head) => {
      head
        .set(s.connectorId, s.planes.commitProps().connector.get('CRTC_ID')?.id, s.crtcId)
        .set(s.crtcId, s.planes.commitProps().crtc.get('MODE_ID')?.id, this.#blob(this.#mode))
        .set(s.crtcId, s.planes.commitProps().crtc.get('ACTIVE')?.id, 1);
    });
    drmCheck(
      plan.request.commit(s.device.fd, DRM_MODE_ATOMIC.ALLOW_MODESET),
      'DRM_IOCTL_MODE_ATOMIC',
      s.device.label,
      `${s.connector}: cannot show ${layers.length} layers`,
    );
    this.#lit.clear();
    for (const l of plan.composition.layers) if (l.plane.type !== 'primary') this.#lit.add(l.plane.id);
    this.#choice = undefined;
    this.#placed = true;
    return plan.composition;
  }

  /** Turn off the planes other than the primary this display lit (an atomic commit; nothing to do in legacy). */
  disableOverlays(): void {
    const s = this.#s;
    if (!s.atomic || this.#lit.size === 0 || s.device.closed) return;
    const request = disableRequest(s.planes.commitProps(), [...this.#lit]);
    this.#lit.clear();
    drmCheck(
      request.commit(s.device.fd, DRM_MODE_ATOMIC.ALLOW_MODESET),
      'DRM_IOCTL_MODE_ATOMIC',
      s.device.label,
      `${s.connector}: cannot turn off the overlay planes`,
    );
  }

  /** The CRTC was put back: the next picture is placed anew, in the display's mode again. */
  unplace(): void {
    this.#placed = false;
    this.#choice = undefined;
    this.#mode = this.#s.mode;
  }

  /** Free the mode blobs and the background framebuffers. */
  dispose(): void {
    const dev = this.#s.device;
    for (const bg of this.#backgrounds.values()) bg.remove();
    this.#backgrounds.clear();
    if (!dev.closed) for (const id of this.#blobs.values()) drmNative().destroyPropBlob(dev.fd, id);
    this.#blobs.clear();
  }

  /** TEST_ONLY: undefined if the driver takes the placement, else why not. */
  #test(p: Placement, fb: Framebuffer): string | undefined {
    let r: number;
    try {
      const flags = DRM_MODE_ATOMIC.TEST_ONLY | DRM_MODE_ATOMIC.ALLOW_MODESET;
      r = this.#request(p, fb).commit(this.#s.device.fd, flags);
    } catch (e) {
      return (e as Error).message;
    }
    return r < 0 ? `the driver refused it in a test commit (${errnoName(-r)})` : undefined;
  }

  #commit(p: Placement, fb: Framebuffer): void {
    const s = this.#s;
    const n = drmNative();
    const what = `${s.connector}: cannot show ${fb.label} as ${describePlacement(p)}`;
    if (!s.atomic) {
      drmCheck(
        n.setCrtc(s.device.fd, s.crtcId, fb.id, 0, 0, [s.connectorId], p.mode),
        'DRM_IOCTL_MODE_SETCRTC',
        s.device.label,
        what,
      );
      return;
    }
    drmCheck(
      this.#request(p, fb).commit(s.device.fd, DRM_MODE_ATOMIC.ALLOW_MODESET),
      'DRM_IOCTL_MODE_ATOMIC',
      s.device.label,
      what,
    );
    this.#lit.clear();
    if (p.plane.type !== 'primary') this.#lit.add(p.plane.id);
  }

  #request(p: Placement, fb: Framebuffer) {
    const s = this.#s;
    const props = s.planes.commitProps();
    const primary = s.planes.usable.find((x) => x.type === 'primary');
    const background =
      p.plane.type !== 'primary' && primary
        ? { planeId: primary.id, fbId: this.#background(p.mode).fbId }
        : undefined;
    const others = s.planes.usable
      .filter((x) => x.type !== 'primary' && (x.crtcId === s.crtcId || this.#lit.has(x.id)))
      .map((x) => x.id);
    return placementRequest(props, p, {
      connectorId: s.connectorId,
      crtcId: s.crtcId,
      fbId: fb.id,
      modeBlob: this.#blob(p.mode),
      ...(background ? { background } : {}),
      disable: others,
    });
  }

  #blob(mode: DrmModeInfo): number {
    let id = this.#blobs.get(mode);
    if (id === undefined) {
      const dev = this.#s.device;
      id = drmCheck(
        drmNative().createModeBlob(dev.fd, mode),
        'DRM_IOCTL_MODE_CREATEPROPBLOB',
        dev.label,
        `cannot make a blob of mode ${describeMode(mode)}`,
      );
      this.#blobs.set(mode, id);
    }
    return id;
  }

  #background(mode: DrmModeInfo): BlackBackground {
    const key = `${mode.hdisplay}x${mode.vdisplay}`;
    let bg = this.#backgrounds.get(key);
    if (!bg) {
      bg = new BlackBackground(this.#s.device, mode.hdisplay, mode.vdisplay);
      this.#backgrounds.set(key, bg);
    }
    return bg;
  }
}
