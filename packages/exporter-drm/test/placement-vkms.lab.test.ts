import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import { Display, describeMode, type PlacementChoice, planeProperties, readKms } from '../src/index.js';
import { useDrmLab, vkms } from './lab.js';

labSuite(
  'placing pictures on vkms (planes that position but do not scale)',
  () => {
    const lab = useDrmLab(vkms);

    it('a 640x480 picture is centred at 1:1 by a plane, the current mode kept (read back from KMS); close restores', async () => {
      const crtc = () => readKms(lab.dev, { planes: false }).crtcs[0]!;
      const before = { fb: crtc().fbId, mode: describeMode(crtc().mode!) };
      const seen: PlacementChoice[] = [];
      using display = Display.open(lab.dev, { onPlacement: (c) => seen.push(c) });
      expect(display.modeReason).toBe(`current mode ${before.mode} kept`);
      expect(display.planes.filter((p) => p.type === 'overlay').length).toBeGreaterThan(0);
      using pic = lab.fw.export({ width: 640, height: 480, format: 'XR24' });
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
      const props = planeProperties(lab.dev, choice.placement.plane.id);
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
      using pic16 = lab.fw.export({ width: 640, height: 480, format: 'RG16' });
      await display.show(display.framebuffer(pic16));
      expect(seen[1]!.placement.kind).toBe('centred');
      display.close();
      expect(crtc().fbId).toBe(before.fb);
      expect(describeMode(crtc().mode!)).toBe(before.mode);
    });
  },
  { needs: ['vkms'] },
);
