import { DRM_MODE_OBJECT } from '../constants.js';
import type { DrmDevice } from '../device.js';
import { UnsupportedFormatError } from '../errors.js';
import { knownFormats } from '../fourcc.js';
import { drmNative } from '../native.js';
import type { CommitProps } from './commit.js';
import type { AcceptedFormats } from './framebuffer.js';
import { parseInFormats } from './in-formats.js';
import { type PlaneNeeds, requirePlanes } from './plane-choice.js';
import {
  type KmsCrtc,
  type KmsPlane,
  type KmsSnapshot,
  objectProperties,
  type PropertyValue,
} from './snapshot.js';

type Props = Map<string, PropertyValue>;

/**
 * The planes a display's CRTC can use, read once: their formats, their
 * IN_FORMATS modifiers and their property ids (read on first use).
 */
export class PlaneSet {
  readonly #device: DrmDevice;
  readonly #all: readonly KmsPlane[];
  readonly #crtc: KmsCrtc;
  readonly #connectorId: number;
  readonly #atomic: boolean;
  readonly #modifiers = new Map<number, Map<string, bigint[]> | undefined>();
  readonly #props = new Map<number, Props>();
  #commit: CommitProps | undefined;
  /** Planes on this CRTC that can carry a picture (no cursors), primary first. */
  readonly usable: readonly KmsPlane[];

  constructor(device: DrmDevice, kms: KmsSnapshot, crtc: KmsCrtc, connectorId: number, atomic: boolean) {
    this.#device = device;
    const bit0 = 1 << crtc.index;
    const hasPrimary = kms.planes.some((p) => p.type === 'primary' && (p.possibleCrtcs & bit0) !== 0);
    // A driver without universal planes (legacy only): its primary plane is implied; ADDFB2 says what it takes.
    this.#all = hasPrimary
      ? kms.planes
      : [
          ...kms.planes,
          {
            id: 0,
            type: 'primary',
            possibleCrtcs: bit0,
            crtcId: crtc.id,
            fbId: crtc.fbId,
            formats: knownFormats(),
            inFormatsBlob: 0,
          },
        ];
    this.#crtc = crtc;
    this.#connectorId = connectorId;
    this.#atomic = atomic;
    const bit = 1 << crtc.index;
    const rank = (p: KmsPlane): number => (p.type === 'primary' ? 0 : 1);
    this.usable = this.#all
      .filter(
        (p) =>
          (p.possibleCrtcs & bit) !== 0 &&
          p.type !== 'cursor' &&
          !(p.type === 'primary' && p.crtcId !== 0 && p.crtcId !== crtc.id),
      )
      // Legacy modesetting drives the primary plane only.
      .filter((p) => atomic || p.type === 'primary')
      .sort((a, b) => rank(a) - rank(b) || a.id - b.id);
  }

  /** IN_FORMATS of a plane (format → modifiers); undefined when the driver does not say. */
  modifiersOf(plane: KmsPlane): Map<string, bigint[]> | undefined {
    if (!this.#modifiers.has(plane.id)) {
      let m: Map<string, bigint[]> | undefined;
      if (plane.inFormatsBlob && !this.#device.closed) {
        const blob = drmNative().getPropBlob(this.#device.fd, plane.inFormatsBlob);
        if (typeof blob !== 'number') m = parseInFormats(blob);
      }
      this.#modifiers.set(plane.id, m);
    }
    return this.#modifiers.get(plane.id);
  }

  /** Modifiers a display's primary plane takes for a format; [0n] (LINEAR) when the driver does not say. */
  primaryModifiers(planeId: number | undefined, format: string): bigint[] {
    const primary = this.usable.find((p) => p.id === planeId);
    if (!primary) return format === 'XR24' ? [0n] : [];
    return [...(this.modifiersOf(primary)?.get(format) ?? (primary.formats.includes(format) ? [0n] : []))];
  }

  /** The planes that take a picture's format and modifier, best first; UnsupportedFormatError listing every plane's reason if none. */
  forPicture(needs: PlaneNeeds): KmsPlane[] {
    const fit = requirePlanes(this.#device.label, this.#all, this.#crtc, needs, (p) => this.modifiersOf(p));
    if (this.#atomic) return fit;
    const primary = fit.filter((p) => p.type === 'primary');
    if (primary.length) return primary;
    throw new UnsupportedFormatError(
      this.#device.label,
      `legacy modesetting drives the primary plane only, which does not take ${needs.format}; planes ${fit.map((p) => p.id).join(', ')} do`,
      needs.format,
      needs.modifier,
      'Open the display without { legacy: true } (atomic) to use those planes',
    );
  }

  /** What framebuffers may be made for: any usable plane's formats and modifiers. */
  accepted(): AcceptedFormats {
    const formats = [...new Set(this.usable.flatMap((p) => p.formats))];
    const modifiers = new Map<string, bigint[]>();
    let said = false;
    for (const p of this.usable) {
      const m = this.modifiersOf(p);
      if (!m) {
        for (const f of p.formats) if (!modifiers.has(f)) modifiers.set(f, [0n]);
        continue;
      }
      said = true;
      for (const [f, list] of m) modifiers.set(f, [...new Set([...(modifiers.get(f) ?? []), ...list])]);
    }
    const ids = this.usable.map((p) => p.id).join(', ');
    return {
      formats: formats.length ? formats : ['XR24'],
      ...(said ? { modifiers } : {}),
      label: `the planes (${ids || 'none listed'}) of CRTC ${this.#crtc.id} on ${this.#device.label}`,
    };
  }

  /** A plane's properties by name (read once). */
  props(planeId: number): Props {
    let p = this.#props.get(planeId);
    if (!p) {
      p = objectProperties(this.#device, planeId, DRM_MODE_OBJECT.PLANE);
      this.#props.set(planeId, p);
    }
    return p;
  }

  /** Property ids of the connector, the CRTC and every usable plane (read once). */
  commitProps(): CommitProps {
    if (!this.#commit) {
      const planes = new Map<number, Props>();
      for (const p of this.usable) planes.set(p.id, this.props(p.id));
      this.#commit = {
        connector: objectProperties(this.#device, this.#connectorId, DRM_MODE_OBJECT.CONNECTOR),
        crtc: objectProperties(this.#device, this.#crtc.id, DRM_MODE_OBJECT.CRTC),
        planes,
      };
    }
    return this.#commit;
  }
}
