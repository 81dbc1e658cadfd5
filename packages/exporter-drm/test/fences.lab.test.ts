import { DmaBufError, ERRNO, Framework } from '@dmabuf/core';
import { pixelAt, screendump } from '@dmabuf/lab/guest';
import { labSuite } from '@dmabuf/lab/suite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Display, DrmDevice, DrmError, drmExporterPlugin, VgemFence } from '../src/index.js';
import { drmNative } from '../src/native.js';
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

// vgem_fence_signal_ioctl: ETIMEDOUT when vgem's own 10 s timer signalled the fence first (signal()
// takes that as done), ENOENT when the file's table has no such fence any more (signal() reports it).
labSuite('signalling vgem fences in the lab', { needs: ['vgem'] }, () => {
  let vgem: DrmDevice;
  let vfw: Framework;
  beforeAll(async () => {
    vgem = DrmDevice.open(VGEM);
    vfw = await Framework.create({ plugins: [drmExporterPlugin({ device: vgem, name: 'vgem' })] });
  });
  afterAll(async () => {
    await vfw?.close();
    vgem?.close();
  });

  it('a fence vgem’s timer signalled first: the ioctl says ETIMEDOUT, signal() returns and the fence is signalled', async () => {
    using a = vfw.export({ size: 4096 });
    using b = vfw.export({ size: 4096 });
    using fa = VgemFence.attach(vgem, a);
    const fb = VgemFence.attach(vgem, b); // signalled below by the bare ioctl, so its close() reports ENOENT
    using sa = fa.syncFile();
    using sb = fb.syncFile();
    await expect(sa.wait({ timeoutMs: 200 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    // vgem signals an unsignalled fence itself after 10 s
    await Promise.all([sa.wait({ timeoutMs: 30_000 }), sb.wait({ timeoutMs: 30_000 })]);
    expect(drmNative().vgemFenceSignal(vgem.fd, fb.id)).toBe(-ERRNO.ETIMEDOUT);
    expect(() => fa.signal()).not.toThrow();
    expect(fa.signalled).toBe(true);
    expect(() => fb.close()).toThrow(/signalled through another path/);
  });

  it('a fence signalled through another path: the ioctl says ENOENT, signal() and close() throw it and close() still releases the import', () => {
    using buf = vfw.export({ size: 4096 });
    const fence = VgemFence.attach(vgem, buf);
    expect(drmNative().vgemFenceSignal(vgem.fd, fence.id)).toBe(0);
    const err = (() => {
      try {
        fence.signal();
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DmaBufError);
    expect(err).toMatchObject({ code: 'ENOENT', syscall: 'ioctl(DRM_IOCTL_VGEM_FENCE_SIGNAL)' });
    expect((err as Error).message).toMatch(/signalled through another path/);
    expect(fence.signalled).toBe(false);
    expect(() => fence.close()).toThrow(/signalled through another path/);
    // the import was released: a new fence on the buffer attaches (vgem imports it afresh)
    using again = VgemFence.attach(vgem, buf);
    again.signal();
    expect(again.signalled).toBe(true);
  });
});
