import { Framework } from '@dmabuf/core';
import { labSuite } from '@dmabuf/lab/suite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  Display,
  DrmDevice,
  describeMode,
  drmExporterPlugin,
  listDrmDevices,
  type PlacementChoice,
  planeProperties,
  readKms,
} from '../src/index.js';

labSuite(
  'placing pictures on vkms (planes that position but do not scale)',
  () => {
    let dev: DrmDevice;
    let fw: Framework;
    beforeAll(async () => {
      dev = DrmDevice.open(listDrmDevices().find((d) => d.driver === 'vkms')!.path);
      fw = await Framework.create({ plugins: [drmExporterPlugin({ device: dev })] });
    });
    afterAll(async () => {
      await fw?.close();
      dev?.close();
    });

    it('a 640x480 picture is centred at 1:1 by a plane, the current mode kept (read back from KMS); close restores', async () => {
      const crtc = () => readKms(dev, { planes: false }).crtcs[0]!;
      const before = { fb: crtc().fbId, mode: describeMode(crtc().mode!) };
      const seen: PlacementChoice[] = [];
      using display = Display.open(dev, { onPlacement: (c) => seen.push(c) });
      expect(display.modeReason).toBe(`current mode ${before.mode} kept`);
      expect(display.planes.filter((p) => p.type === 'overlay').length).toBeGreaterThan(0);
      using pic = fw.export({ width: 640, height: 480, format: 'XR24' });
      const fb = display.framebuffer(pic);
      await display.show(fb);
      const choice = seen[0]!;
      console.log(`vkms placement: ${choice.reason}`);
      expect(choice.placement).toMatchObject({ kind: 'centred', modeChange: false });
      expect(choice.refused.map((r) => r.placement.kind)).toEqual(['scaled']);
      const { hdisplay: w, vdisplay: h } = display.mode;
      expect(describeMode(display.mode)).toBe(before.mode);
      expect(describeMode(crtc().mode!)).toBe(before.mode);
      // What the kernel holds for the plane now: the picture where it should be.
      const props = planeProperties(dev, choice.placement.plane.id);
      expect({
        fb: props.FB_ID,
        x: props.CRTC_X,
        y: props.CRTC_Y,
        w: props.CRTC_W,
        h: props.CRTC_H,
        srcW: props.SRC_W! >> 16n,
      }).toEqual({
        fb: BigInt(fb.id),
        x: BigInt((w - 640) >> 1),
        y: BigInt((h - 480) >> 1),
        w: 640n,
        h: 480n,
        srcW: 640n,
      });
      // An RG16 picture of the same size is placed anew (another format), the same way.
      using pic16 = fw.export({ width: 640, height: 480, format: 'RG16' });
      await display.show(display.framebuffer(pic16));
      expect(seen[1]!.placement.kind).toBe('centred');
      display.close();
      expect(crtc().fbId).toBe(before.fb);
      expect(describeMode(crtc().mode!)).toBe(before.mode);
    });
  },
  { needs: ['vkms'] },
);
