import { errnoName } from '@dmabuf/core';
import { DRM_MODE_ATOMIC } from '../constants.js';
import type { DrmDevice } from '../device.js';
import { DrmError } from '../errors.js';
import { drmNative } from '../native.js';
import { AtomicRequest } from './atomic.js';
import { checkFramebufferOf } from './framebuffer.js';
import {
  assignPlanes,
  type Layer,
  type LayerPlacement,
  layerRects,
  layersRequest,
  type PlaneStacking,
} from './layers.js';
import type { PlaneSet } from './plane-set.js';
import type { KmsPlane } from './snapshot.js';

/** What a composition needs of its display. */
export interface CompositionSetup {
  device: DrmDevice;
  planes: PlaneSet;
  connector: string;
  crtcId: number;
  atomic: boolean;
}

/** The layers shown, each with its plane, and how the stacking order was kept. */
export interface Composition {
  /** Each layer with its plane and rectangles, in layer order (0 = bottom). */
  layers: LayerPlacement[];
  /** How the stacking order was kept, in words. */
  reason: string;
}

const DRM_MODE_PROP_IMMUTABLE = 1 << 2;

const rect = (r: { x: number; y: number; width: number; height: number }): string =>
  `${r.width}x${r.height}+${r.x}+${r.y}`;

/** A plane's zpos: its value, and its range when it can be set. */
function stackingOf(device: DrmDevice, planes: PlaneSet, plane: KmsPlane): PlaneStacking {
  const z = planes.props(plane.id).get('zpos');
  if (!z) return {};
  const prop = drmNative().getProperty(device.fd, z.id);
  if (typeof prop === 'number' || prop.flags & DRM_MODE_PROP_IMMUTABLE || prop.values.length < 2)
    return { zpos: Number(z.value) };
  return { zpos: Number(z.value), mutable: { min: Number(prop.values[0]), max: Number(prop.values[1]) } };
}

/**
 * Plan a composition: a plane per layer (format, modifier, stacking order),
 * the atomic request (`head` adds the connector/CRTC part), checked by a
 * TEST_ONLY commit. Throws the typed error naming the layers and what was
 * refused; nothing on screen changes.
 */
export function planComposition(
  s: CompositionSetup,
  layers: readonly Layer[],
  head: (req: AtomicRequest) => void,
): { request: AtomicRequest; composition: Composition } {
  const dev = s.device.label;
  if (!s.atomic)
    throw new DrmError(dev, `${s.connector}: layers need atomic modesetting (one commit for every plane)`, {
      code: 'EOPNOTSUPP',
      hint: 'Open the display without { legacy: true } on a driver with atomic modesetting, or show() one picture',
    });
  if (!Array.isArray(layers) || layers.length === 0)
    throw new DrmError(dev, `${s.connector}: compose() takes a non-empty array of layers`, {
      code: 'EINVAL',
      hint: 'Pass [{ framebuffer, x, y }, …], bottom layer first',
    });
  const rects = layers.map((l, i) => {
    checkFramebufferOf(s.device, l?.framebuffer);
    return layerRects(l, i);
  });
  const candidates = layers.map((l) =>
    s.planes.forPicture({ format: l.framebuffer.format, modifier: l.framebuffer.modifier }),
  );
  const usable = s.planes.usable;
  const picked = assignPlanes(candidates, (p) => stackingOf(s.device, s.planes, p), usable);
  if ('refused' in picked) {
    throw new DrmError(
      dev,
      `${s.connector}: cannot stack ${layers.length} layers (${layers.map((l) => l.framebuffer.format).join(', ')}): ${picked.refused}`,
      {
        code: 'EINVAL',
        hint: `This CRTC has ${usable.length} planes for pictures (${usable.map((p) => `${p.id} ${p.type}`).join(', ')}): use fewer layers or formats more planes take`,
      },
    );
  }
  const placed: (LayerPlacement & { fbId: number })[] = picked.planes.map((plane, i) => ({
    layer: i,
    plane: { id: plane.id, type: plane.type },
    src: rects[i]!.src,
    dst: rects[i]!.dst,
    ...(picked.zpos[i] !== undefined ? { zpos: picked.zpos[i] } : {}),
    fbId: layers[i]!.framebuffer.id,
  }));
  const unused = usable.filter((p) => !picked.planes.includes(p)).map((p) => p.id);
  const req = new AtomicRequest();
  head(req);
  layersRequest(s.planes.commitProps(), s.crtcId, placed, unused, req);
  const a = req.arrays();
  const flags = DRM_MODE_ATOMIC.TEST_ONLY | DRM_MODE_ATOMIC.ALLOW_MODESET;
  const r = drmNative().atomicCommit(s.device.fd, flags, a.objects, a.counts, a.props, a.values, 0);
  const what = placed
    .map(
      (l) =>
        `layer ${l.layer} ${layers[l.layer]!.framebuffer.label} on plane ${l.plane.id} (${l.plane.type}) ${rect(l.src)} → ${rect(l.dst)}`,
    )
    .join('; ');
  if (r < 0) {
    const scaled = placed.some((l) => l.src.width !== l.dst.width || l.src.height !== l.dst.height);
    throw new DrmError(
      dev,
      `${s.connector}: the driver refused the layers in a test commit (${errnoName(-r)}): ${what}`,
      {
        code: errnoName(-r),
        errno: -r,
        syscall: 'ioctl(DRM_IOCTL_MODE_ATOMIC)',
        hint: scaled
          ? 'A layer is scaled (its size differs from its source): this driver’s planes may not scale (vkms does not); show it 1:1'
          : 'Keep each layer inside the screen and on a plane that takes its format; the screen is unchanged',
      },
    );
  }
  const composition = { layers: placed.map(({ fbId: _, ...l }) => l), reason: `${what}: ${picked.how}` };
  return { request: req, composition };
}
