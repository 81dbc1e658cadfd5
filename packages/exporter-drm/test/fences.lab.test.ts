import { Framework } from '@dmabuf/core';
import { pixelAt, screendump } from '@dmabuf/lab/guest';
import { labSuite } from '@dmabuf/lab/suite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Display, DrmDevice, DrmError, drmExporterPlugin, VgemFence } from '../src/index.js';
import { VGEM, VIRTIO } from './lab.js';
import { GREEN, near, paint, RED, type Rgb } from './paint.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

labSuite('explicit sync on virtio-gpu with vgem fences in the lab', { needs: ['vgem', 'virtio-gpu'] }, () => {
  let dev: DrmDevice;
  let vgem: DrmDevice;
  let fw: Framework;
  let vfw: Framework;
  beforeAll(async () => {
    dev = DrmDevice.open(VIRTIO);
    vgem = DrmDevice.open(VGEM);
    fw = await Framework.create({ plugins: [drmExporterPlugin({ device: dev })] });
    vfw = await Framework.create({ plugins: [drmExporterPlugin({ device: vgem, name: 'vgem' })] });
  });
  afterAll(async () => {
    await vfw?.close();
    await fw?.close();
    vgem?.close();
    dev?.close();
  });

  it('a flip waits on an unsignalled in-fence (a vgem fence’s sync_file) and completes only after it signals; its out-fence signals with it', async () => {
    using display = Display.open(dev);
    using a = fw.export({ width: display.width, height: display.height, format: 'XR24' });
    using b = fw.export({ width: display.width, height: display.height, format: 'XR24' });
    paint(a, RED);
    paint(b, GREEN);
    const fa = display.framebuffer(a);
    const fb = display.framebuffer(b);
    await display.show(fa);

    using producer = vfw.export({ size: 4096 });
    using fence = VgemFence.attach(vgem, producer);
    using inFence = fence.syncFile();
    await expect(inFence.wait({ timeoutMs: 200 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });

    const sub = await display.submit(fb, { inFence, outFence: true });
    expect(sub.outFence).toBeDefined();
    let completed = false;
    void sub.done.then(() => (completed = true));
    await sleep(1500);
    expect(completed).toBe(false);
    await expect(sub.outFence!.wait({ timeoutMs: 200 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    const held = await screendump('fence-held');
    expect(near(pixelAt(held, 20, 20) as Rgb, RED), 'the old picture stays until the fence signals').toBe(
      true,
    );

    const signalledAt = performance.now();
    fence.signal();
    const r = await sub.done;
    expect(r.timeMs).toBeGreaterThanOrEqual(signalledAt);
    expect(r.outFence).toBe(sub.outFence);
    await sub.outFence!.wait({ timeoutMs: 5000 });
    const shown = await screendump('fence-released');
    expect(near(pixelAt(shown, 20, 20) as Rgb, GREEN)).toBe(true);
    sub.outFence!.close();
  });

  it('out-fences come in flip order: each has signalled when its flip completes, before the next is submitted', async () => {
    using display = Display.open(dev);
    using a = fw.export({ width: display.width, height: display.height, format: 'XR24' });
    using b = fw.export({ width: display.width, height: display.height, format: 'XR24' });
    const fbs = [display.framebuffer(a), display.framebuffer(b)];
    await display.show(fbs[0]!);
    const subs = await Promise.all(
      [0, 1, 2, 3].map((i) => display.submit(fbs[(i + 1) % 2]!, { outFence: true })),
    );
    // submit() resolves one by one: the k-th only after flip k-1 completed, whose fence had then signalled.
    const order: number[] = [];
    await Promise.all(subs.map((s, i) => s.outFence!.wait({ timeoutMs: 10_000 }).then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
    for (const s of subs) {
      const r = await s.done;
      expect(r.outFence).toBe(s.outFence);
      s.outFence!.close();
    }
    // flip() with an out-fence: the result carries it, already signalled.
    const r = await display.flip(fbs[0]!, { outFence: true });
    await r.outFence!.wait({ timeoutMs: 2000 });
    r.outFence!.close();
  });

  it('refusals: a closed sync_file, fences on legacy modesetting, a vgem fence on a device that is not vgem', async () => {
    {
      using display = Display.open(dev);
      using a = fw.export({ width: display.width, height: display.height, format: 'XR24' });
      const fa = display.framebuffer(a);
      await display.show(fa);
      using producer = vfw.export({ size: 4096 });
      using fence = VgemFence.attach(vgem, producer);
      const sf = fence.syncFile();
      sf.close();
      await expect(display.flip(fa, { inFence: sf })).rejects.toThrow(/an open SyncFile for options.inFence/);
    }
    {
      using legacy = Display.open(dev, { legacy: true });
      using a = fw.export({ width: legacy.width, height: legacy.height, format: 'XR24' });
      const fa = legacy.framebuffer(a);
      await legacy.show(fa);
      const err = await legacy.flip(fa, { outFence: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DrmError);
      expect(err).toMatchObject({ code: 'EOPNOTSUPP' });
    }
    using buf = fw.export({ size: 4096 });
    expect(() => VgemFence.attach(dev, buf)).toThrow(/fences can be attached on vgem only, not virtio_gpu/);
  });
});
