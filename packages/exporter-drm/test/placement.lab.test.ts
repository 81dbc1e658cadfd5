import { pixelAt, screendump } from '@dmabuf/lab/guest';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import {
  Display,
  type DrmDevice,
  DrmError,
  describeMode,
  type PlacementChoice,
  readKms,
} from '../src/index.js';
import { useDrmLab, VIRTIO } from './lab.js';
import { BLUE, crtcFb, GREEN, near, paint, RED, type Rgb, WHITE } from './paint.js';

function crtcMode(dev: DrmDevice, crtcId: number): string {
  const m = readKms(dev, { planes: false }).crtcs.find((c) => c.id === crtcId)!.mode;
  return m ? describeMode(m) : 'off';
}

labSuite('placing pictures on virtio-gpu in the lab', { needs: ['virtio-gpu'] }, () => {
  const lab = useDrmLab(VIRTIO);

  it('a 640x480 picture: the primary plane can neither scale nor position, so the mode changes to 640x480, announced; close puts 1280x800 back', async () => {
    const seen: PlacementChoice[] = [];
    using display = Display.open(lab.dev, { onPlacement: (c) => seen.push(c) });
    const before = { fb: crtcFb(lab.dev, display.crtcId), mode: crtcMode(lab.dev, display.crtcId) };
    expect(before.mode).toMatch(/^1280x800@/);
    expect(display.planes.map((p) => p.type)).toEqual(['primary']);
    using a = lab.fw.export({ width: 640, height: 480, format: 'XR24' });
    using b = lab.fw.export({ width: 640, height: 480, format: 'XR24' });
    paint(a, [RED, GREEN, BLUE, WHITE]);
    paint(b, GREEN);
    const fa = display.framebuffer(a);
    const fb = display.framebuffer(b);
    await display.show(fa);
    expect(seen).toHaveLength(1);
    const choice = seen[0]!;
    expect(choice).toBe(display.placement);
    expect(choice.placement).toMatchObject({ kind: 'mode', modeChange: true, plane: { type: 'primary' } });
    expect(choice.refused.map((r) => r.placement.kind)).toEqual(['scaled', 'centred']);
    expect(choice.refused[0]!.why).toMatch(/refused it in a test commit \((EINVAL|ERANGE)\)/);
    expect(choice.reason).toMatch(/MODE CHANGE to 640x480@60/);
    console.log(`placement: ${choice.reason}`);
    expect([display.width, display.height]).toEqual([640, 480]);
    expect(crtcMode(lab.dev, display.crtcId)).toMatch(/^640x480@/);

    const shot = await screendump('placement-640x480-mode');
    expect([shot.width, shot.height]).toEqual([640, 480]);
    for (const [x, y, want] of [
      [160, 120, RED],
      [480, 120, GREEN],
      [160, 360, BLUE],
      [480, 360, WHITE],
    ] as [number, number, Rgb][])
      expect(near(pixelAt(shot, x, y) as Rgb, want), `(${x},${y})`).toBe(true);

    // Same size: plain flips, no placing again.
    await display.flip(fb);
    await display.show(fa);
    expect(seen).toHaveLength(1);
    // A picture of another size is placed anew: 1280x800 in the 640x480 mode cannot fit on this plane...
    using big = lab.fw.export({ width: 1280, height: 800, format: 'XR24' });
    paint(big, WHITE);
    const fbig = display.framebuffer(big);
    await expect(display.flip(fbig)).rejects.toThrow(/the picture placed is 640x480 XR24/);
    // ...but show() places it: the connector has a 1280x800 mode.
    await display.show(fbig);
    expect(seen).toHaveLength(2);
    expect(display.placement?.placement.kind).toBe('mode');
    expect([display.width, display.height]).toEqual([1280, 800]);

    display.close();
    expect(crtcFb(lab.dev, display.crtcId)).toBe(before.fb);
    expect(crtcMode(lab.dev, display.crtcId)).toBe(before.mode);
  });

  it('bad sizes and modes: a typed error naming what was asked and what is available; the screen untouched', async () => {
    const crtcId = readKms(lab.dev, { planes: false }).crtcs[0]!.id;
    const before = { fb: crtcFb(lab.dev, crtcId), mode: crtcMode(lab.dev, crtcId) };
    {
      using display = Display.open(lab.dev);
      using odd = lab.fw.export({ width: 1234, height: 567, format: 'XR24' });
      const oddFb = display.framebuffer(odd);
      expect(() => display.plan(oddFb)).toThrow(DrmError);
      const err = await display.show(oddFb).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DrmError);
      expect(err).toMatchObject({ code: 'EINVAL' });
      expect((err as Error).message).toMatch(
        /Virtual-1: cannot show a 1234x567 XR24 picture in 1280x800@\d+: no plane scales or positions it here, and Virtual-1 has no mode 1234x567 \(every placement refused: plane \d+ \(primary\) scaled 1234x567/,
      );
      expect((err as DrmError).hint).toMatch(/Pick one of: 1280x800@75, .*640x480@60/);
      expect(crtcFb(lab.dev, crtcId)).toBe(before.fb);
    }
    {
      // The mode asked for is fixed: a 1280x800 picture does not fit in 640x480 on this plane.
      using display = Display.open(lab.dev, { mode: '640x480' });
      expect(display.modeReason).toBe('mode 640x480@60 as asked');
      using big = lab.fw.export({ width: 1280, height: 800, format: 'XR24' });
      await expect(display.show(display.framebuffer(big))).rejects.toThrow(
        /the mode 640x480@60 was fixed by request/,
      );
    }
    expect(() => Display.open(lab.dev, { connector: 'HDMI-A-2' })).toThrow(
      /no connector named HDMI-A-2 \(Virtual-1 connected\)/,
    );
    expect(crtcFb(lab.dev, crtcId)).toBe(before.fb);
    expect(crtcMode(lab.dev, crtcId)).toBe(before.mode);
  });
});
