import type { DmaBuf } from '@dmabuf/core';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import {
  Display,
  type DrmDevice,
  DrmError,
  describeMode,
  NoDisplayError,
  type PlacementChoice,
  planeProperties,
  readKms,
  UnsupportedFormatError,
  Writeback,
} from '../src/index.js';
import { useDrmLab, vkms } from './lab.js';

// ARGB words as the planes and the writeback take them (XR24/AR24: little-endian B, G, R, A).
const RED = 0xffff0000;
const BLUE = 0xff0000ff;
const GREEN = 0xff00ff00;
const WHITE = 0xffffffff;
const BLACK = 0xff000000;

/** Fill a 32-bit-per-pixel buffer (XR24/AR24) with one ARGB word, or an RG16 buffer with one RGB565 word. */
function fill(buf: DmaBuf, word: number): void {
  using w = buf.cpuAccess('write');
  if (buf.layout.format === 'RG16') new Uint16Array(w.arrayBuffer).fill(word);
  else new Uint32Array(w.arrayBuffer).fill(word >>> 0);
}

/** The written-back picture's pixels as 0xRRGGBB (XR24). */
function pixels(buf: DmaBuf): (x: number, y: number) => number {
  const stride = buf.layout.planes[0]!.pitch / 4;
  const copy = (() => {
    using r = buf.cpuAccess('read');
    return new Uint32Array(r.arrayBuffer).slice();
  })();
  return (x, y) => copy[y * stride + x]! & 0xffffff;
}

const hex = (v: number): string => `0x${(v & 0xffffff).toString(16).padStart(6, '0')}`;

function expectPixels(at: (x: number, y: number) => number, want: [number, number, number][]): void {
  const seen = want.map(([x, y]) => `(${x},${y}) ${hex(at(x, y))}`);
  expect(seen).toEqual(want.map(([x, y, c]) => `(${x},${y}) ${hex(c)}`));
}

function crtcState(dev: DrmDevice): { fb: number; mode: string } {
  const c = readKms(dev, { planes: false }).crtcs[0]!;
  return { fb: c.fbId, mode: c.mode ? describeMode(c.mode) : 'off' };
}

labSuite(
  'vkms: overlay planes composed, read back through the writeback connector',
  () => {
    const lab = useDrmLab(vkms);

    it('layers on the primary and overlay planes (formats XR24/AR24/RG16, positions, stacking order) give the picture the writeback connector writes, pixel by pixel', async () => {
      const before = crtcState(lab.dev);
      using display = Display.open(lab.dev);
      const { hdisplay: W, vdisplay: H } = display.mode;
      using wb = Writeback.open(display);
      console.log(`vkms ${wb.name} writes ${wb.formats.join(' ')}; mode ${describeMode(display.mode)}`);
      expect(wb.formats).toEqual(expect.arrayContaining(['XR24', 'AR24', 'RG16']));
      using bg = lab.fw.export({ width: W, height: H, format: 'XR24' });
      using a = lab.fw.export({ width: 200, height: 100, format: 'XR24' });
      using b = lab.fw.export({ width: 160, height: 120, format: 'AR24' });
      using c = lab.fw.export({ width: 64, height: 32, format: 'RG16' });
      fill(bg, RED);
      fill(a, BLUE);
      fill(b, GREEN);
      fill(c, 0xffe0); // RGB565 yellow
      const [fbg, fa, fb, fc] = [bg, a, b, c].map((x) => display.framebuffer(x));
      const comp = display.compose([
        { framebuffer: fbg! },
        { framebuffer: fa!, x: 100, y: 50 },
        { framebuffer: fb!, x: 200, y: 100 },
        { framebuffer: fc!, x: W - 64, y: H - 32 },
      ]);
      console.log(`composition: ${comp.reason}`);
      expect(comp.layers.map((l) => l.plane.type)).toEqual(['primary', 'overlay', 'overlay', 'overlay']);
      expect(comp.reason).toMatch(/no zpos property: planes picked in the driver’s order/);
      // What the kernel holds for the overlay of layer 1 now.
      const p1 = planeProperties(lab.dev, comp.layers[1]!.plane.id);
      expect([p1.FB_ID, p1.CRTC_X, p1.CRTC_Y, p1.CRTC_W, p1.CRTC_H]).toEqual([
        BigInt(fa!.id),
        100n,
        50n,
        200n,
        100n,
      ]);

      using out = lab.fw.export({ width: W, height: H, format: 'XR24' });
      fill(out, WHITE);
      const r = await wb.capture(out);
      expect(r.buffer).toBe(out);
      // vkms 6.12's encoder does not clone: the capture runs with Virtual-1 detached and puts it back after.
      console.log(`writeback routing: ${r.routing}`);
      expect(['clone', 'exclusive']).toContain(r.routing);
      expect(crtcState(lab.dev).fb).toBe(fbg!.id);
      const at = pixels(out);
      expectPixels(at, [
        [10, 10, RED], // the primary plane
        [150, 75, BLUE], // layer 1 only
        [250, 75, BLUE],
        [250, 125, GREEN], // layers 1 and 2 overlap: 2 is above
        [340, 210, GREEN], // layer 2 only
        [99, 75, RED], // just left of layer 1
        [360, 125, RED], // just right of layer 2
        [W - 1, H - 1, 0xffff00], // the RG16 layer in the corner
        [W - 65, H - 1, RED],
      ]);

      // The same layers stacked the other way round: layer 1 now covers layer 2 where they overlap.
      display.compose([
        { framebuffer: fbg! },
        { framebuffer: fb!, x: 200, y: 100 },
        { framebuffer: fa!, x: 100, y: 50 },
      ]);
      await wb.capture(out);
      const at2 = pixels(out);
      expectPixels(at2, [
        [250, 125, BLUE],
        [340, 210, GREEN],
        [W - 1, H - 1, RED], // the RG16 overlay is off again
      ]);

      // Only part of a framebuffer (src), and a layer hanging off the screen's edge (clipped by the kernel).
      display.compose([
        { framebuffer: fbg! },
        { framebuffer: fa!, src: { x: 0, y: 0, width: 50, height: 40 }, x: 0, y: 0 },
        { framebuffer: fb!, x: W - 80, y: 300 },
      ]);
      await wb.capture(out);
      expectPixels(pixels(out), [
        [49, 39, BLUE],
        [50, 10, RED],
        [10, 40, RED],
        [W - 1, 300, GREEN],
        [W - 81, 300, RED],
      ]);

      wb.close();
      display.close();
      expect(crtcState(lab.dev)).toEqual(before);
    });

    it('show() places a 640x480 picture centred at 1:1 (vkms positions but cannot scale), current mode kept: the written-back picture has it there, black around', async () => {
      const seen: PlacementChoice[] = [];
      using display = Display.open(lab.dev, { onPlacement: (c) => seen.push(c) });
      const mode = describeMode(display.mode);
      const { hdisplay: W, vdisplay: H } = display.mode;
      using wb = Writeback.open(display);
      using pic = lab.fw.export({ width: 640, height: 480, format: 'XR24' });
      fill(pic, GREEN);
      await display.show(display.framebuffer(pic));
      const choice = seen[0]!;
      console.log(`vkms placement: ${choice.reason}`);
      expect(choice.placement.kind).toBe('centred');
      expect(choice.refused[0]!.placement.kind).toBe('scaled');
      expect(describeMode(display.mode)).toBe(mode);
      using out = lab.fw.export({ width: W, height: H, format: 'XR24' });
      await wb.capture(out);
      const x0 = (W - 640) >> 1;
      const y0 = (H - 480) >> 1;
      expectPixels(pixels(out), [
        [x0, y0, GREEN],
        [x0 + 639, y0 + 479, GREEN],
        [x0 - 1, y0, BLACK],
        [x0, y0 - 1, BLACK],
        [x0 + 640, y0 + 479, BLACK],
        [x0 + 639, y0 + 480, BLACK],
      ]);
    });

    it('a picture larger than the screen: MODE CHANGE announced, the written-back picture is in the new mode; close puts the old mode back', async () => {
      const before = crtcState(lab.dev);
      const seen: PlacementChoice[] = [];
      const display = Display.open(lab.dev, { onPlacement: (c) => seen.push(c) });
      const wb = Writeback.open(display);
      using pic = lab.fw.export({ width: 1280, height: 1024, format: 'XR24' });
      fill(pic, BLUE);
      await display.show(display.framebuffer(pic));
      const choice = seen[0]!;
      console.log(`vkms placement: ${choice.reason}`);
      expect(choice.placement).toMatchObject({ kind: 'mode', modeChange: true });
      expect(choice.reason).toMatch(/MODE CHANGE to 1280x1024@/);
      expect(crtcState(lab.dev).mode).toMatch(/^1280x1024@/);
      using out = lab.fw.export({ width: 1280, height: 1024, format: 'XR24' });
      await wb.capture(out);
      expectPixels(pixels(out), [
        [0, 0, BLUE],
        [1279, 1023, BLUE],
        [640, 512, BLUE],
      ]);
      wb.close();
      display.close();
      expect(crtcState(lab.dev)).toEqual(before);
    });

    it('bad input: a typed error naming what was asked and what is available, the screen unchanged', async () => {
      const before = crtcState(lab.dev);
      using display = Display.open(lab.dev);
      const { hdisplay: W, vdisplay: H } = display.mode;
      using wb = Writeback.open(display);
      using bg = lab.fw.export({ width: W, height: H, format: 'XR24' });
      using a = lab.fw.export({ width: 200, height: 100, format: 'XR24' });
      fill(bg, RED);
      const fbg = display.framebuffer(bg);
      const fa = display.framebuffer(a);
      // A scaled layer: vkms planes do not scale.
      const scaled = (() => {
        try {
          display.compose([{ framebuffer: fbg }, { framebuffer: fa, width: 400, height: 200 }]);
        } catch (e) {
          return e;
        }
      })();
      expect(scaled).toBeInstanceOf(DrmError);
      expect(scaled).toMatchObject({ syscall: 'ioctl(DRM_IOCTL_MODE_ATOMIC)' });
      expect(['EINVAL', 'ERANGE']).toContain((scaled as DrmError).code);
      expect((scaled as Error).message).toMatch(
        /refused the layers in a test commit \(E(INVAL|RANGE)\): .*layer 1 framebuffer \d+ \(200x100 XR24\) on plane \d+ \(overlay\) 200x100\+0\+0 → 400x200\+0\+0/,
      );
      expect((scaled as DrmError).hint).toMatch(/may not scale/);
      expect(crtcState(lab.dev)).toEqual(before);
      // More layers than planes (1 primary + 8 overlays on vkms).
      const many = Array.from({ length: 10 }, () => ({ framebuffer: fa }));
      expect(() => display.compose(many)).toThrow(/cannot stack 10 layers .*no plane left for layer 9/);
      // A format no plane of vkms takes.
      using nv12 = lab.fw.export({ width: 64, height: 64, format: 'NV12' });
      const err = (() => {
        try {
          display.framebuffer(nv12);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(UnsupportedFormatError);
      expect((err as Error).message).toMatch(/do(es)? not take format NV12/);
      expect((err as DrmError).hint).toMatch(/XR24.*AR24|AR24.*XR24/);
      // Writeback: a buffer of the wrong size, then a format it does not write.
      using small = lab.fw.export({ width: 640, height: 480, format: 'XR24' });
      await expect(wb.capture(small)).rejects.toThrow(
        new RegExp(`writes the whole ${W}x${H} picture of .*; .* is 640x480`),
      );
      using yuv = lab.fw.export({ width: W, height: H, format: 'YUYV' });
      await expect(wb.capture(yuv)).rejects.toThrow(/Writeback-1 of .* does not take format YUYV/);
      // A connector that is not there, a mode the connector lacks.
      expect(() => Display.open(lab.dev, { connector: 'HDMI-A-1' })).toThrow(NoDisplayError);
      expect(() => Display.open(lab.dev, { connector: 'HDMI-A-1' })).toThrow(
        new RegExp(`no connector named HDMI-A-1 \\(.*${display.connector} connected`),
      );
      const noMode = (() => {
        try {
          Display.open(lab.dev, { mode: '1000x1000' });
        } catch (e) {
          return e as DrmError;
        }
      })();
      // The connector's name counts across devices (virtio-gpu's is Virtual-1 when it loads first).
      expect(noMode?.message).toMatch(new RegExp(`${display.connector} has no mode 1000x1000`));
      expect(noMode?.hint).toMatch(/Pick one of: .*1024x768/);
      expect(crtcState(lab.dev)).toEqual(before);
    });
  },
  { needs: ['vkms'] },
);
