import { describe, expect, it } from 'vitest';
import {
  assignPlanes,
  type Framebuffer,
  type KmsPlane,
  layerRects,
  type PlaneStacking,
} from '../src/index.js';
import { AtomicRequest } from '../src/kms/atomic.js';
import type { CommitProps } from '../src/kms/commit.js';
import { layersRequest } from '../src/kms/layers.js';

const plane = (id: number, type: KmsPlane['type'], formats = ['XR24', 'AR24']): KmsPlane => ({
  id,
  type,
  possibleCrtcs: 1,
  crtcId: 0,
  fbId: 0,
  formats,
  inFormatsBlob: 0,
});

// vkms: a primary plane and overlays, no zpos property.
const primary = plane(31, 'primary');
const o1 = plane(34, 'overlay');
const o2 = plane(37, 'overlay', ['XR24', 'AR24', 'NV12']);
const all = [primary, o1, o2];
const noZpos = (): PlaneStacking => ({});

describe('layers → planes', () => {
  it('without zpos: primary at the bottom, overlays above it by id, each layer above the one below', () => {
    const r = assignPlanes([all, all, all], noZpos, all);
    expect('planes' in r && r.planes.map((p) => p.id)).toEqual([31, 34, 37]);
    expect('how' in r && r.how).toMatch(/no zpos property/);
  });

  it('a layer only one overlay takes goes there, and the layers above it need a higher plane', () => {
    // Layer 1 is NV12 (only plane 37): layer 2 has nothing above 37 left.
    const r = assignPlanes([all, [o2], all], noZpos, all);
    expect(r).toEqual({ refused: expect.stringMatching(/no plane left for layer 2/) });
    // NV12 on top works.
    const ok = assignPlanes([all, all, [o2]], noZpos, all);
    expect('planes' in ok && ok.planes.map((p) => p.id)).toEqual([31, 34, 37]);
  });

  it('more layers than planes: refused naming the layer', () => {
    expect(assignPlanes([all, all, all, all], noZpos, all)).toEqual({
      refused: expect.stringMatching(/no plane left for layer 3 .*used: 31, 34, 37/),
    });
  });

  it('immutable zpos decides the order; mutable zpos is set in layer order', () => {
    // Plane 34 sits above 37 by its fixed zpos.
    const fixed = (p: KmsPlane): PlaneStacking => ({ zpos: { 31: 0, 34: 5, 37: 2 }[p.id]! });
    const r = assignPlanes([all, all, all], fixed, all);
    expect('planes' in r && r.planes.map((p) => p.id)).toEqual([31, 37, 34]);
    expect('how' in r && r.how).toMatch(/immutable zpos/);
    const mutable = (p: KmsPlane): PlaneStacking => ({
      zpos: 0,
      mutable: { min: p.type === 'primary' ? 0 : 1, max: 8 },
    });
    const m = assignPlanes([all, [o2], all], mutable, all);
    expect('planes' in m && m.planes.map((p) => p.id)).toEqual([31, 37, 34]);
    expect('zpos' in m && m.zpos).toEqual([1, 2, 3]);
  });
});

describe('layer rectangles and the atomic request', () => {
  const fb = { width: 200, height: 100, label: 'framebuffer 9 (200x100 XR24)', id: 9 } as Framebuffer;

  it('defaults: the whole framebuffer at 1:1 at (0,0); src and dst checked', () => {
    expect(layerRects({ framebuffer: fb, x: 10, y: -5 }, 0)).toEqual({
      src: { x: 0, y: 0, width: 200, height: 100 },
      dst: { x: 10, y: -5, width: 200, height: 100 },
    });
    expect(() => layerRects({ framebuffer: fb, src: { x: 150, y: 0, width: 100, height: 10 } }, 2)).toThrow(
      /inside framebuffer 9 .* for layers\[2\]\.src but received .100x10\+150\+0/,
    );
    expect(() => layerRects({ framebuffer: fb, width: 0 }, 1)).toThrow(/layers\[1\]\.width/);
    expect(() => layerRects({ framebuffer: fb, x: 1.5 }, 1)).toThrow(/layers\[1\]\.x/);
  });

  it('each layer: FB, CRTC, 16.16 source, destination (and zpos when set); unused planes off', () => {
    const ids = (base: number) =>
      new Map(
        [
          'FB_ID',
          'CRTC_ID',
          'SRC_X',
          'SRC_Y',
          'SRC_W',
          'SRC_H',
          'CRTC_X',
          'CRTC_Y',
          'CRTC_W',
          'CRTC_H',
          'zpos',
        ].map((n, i) => [n, { id: base + i, value: 0n }]),
      );
    const props: CommitProps = {
      connector: new Map(),
      crtc: new Map(),
      planes: new Map([
        [31, ids(100)],
        [34, ids(200)],
        [37, ids(300)],
      ]),
    };
    const req = layersRequest(
      props,
      41,
      [
        {
          layer: 0,
          plane: { id: 34, type: 'overlay' },
          src: { x: 0, y: 0, width: 200, height: 100 },
          dst: { x: 5, y: 6, width: 200, height: 100 },
          zpos: 3,
          fbId: 9,
        },
      ],
      [37],
      new AtomicRequest(),
    ).arrays();
    expect(req.objects).toEqual([34, 37]);
    expect(req.counts).toEqual([11, 2]);
    expect(req.values.slice(0, 11)).toEqual([
      9n,
      41n,
      0n,
      0n,
      200n << 16n,
      100n << 16n,
      5n,
      6n,
      200n,
      100n,
      3n,
    ]);
    expect(req.props.slice(11)).toEqual([300, 301]);
    expect(req.values.slice(11)).toEqual([0n, 0n]);
  });
});
