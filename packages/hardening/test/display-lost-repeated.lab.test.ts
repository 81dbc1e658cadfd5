import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { BUFINFO, parseBufInfo } from '@dmabuf/cli';
import { cyclingSource, type DmaBuf, Framework, Link, openFdCount } from '@dmabuf/core';
import {
  Display,
  DrmDevice,
  DrmDeviceLostError,
  drmExporterPlugin,
  type Framebuffer,
  listDrmDevices,
} from '@dmabuf/exporter-drm';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import { linkThreads } from '../../interop/test/link-teardown.js';

// Issue 15, faults: the display's DRM device going away mid-stream, many times in a row.
// - virtio-gpu is unbound from its driver (sysfs) while show() page-flips or a link flips into
//   display.port(): virtio_gpu_remove → drm_dev_unplug, after which the kernel answers every
//   ioctl on the open fd with ENODEV. Then it is bound again and the next round starts.
// - vkms cannot go away under an open display: every fd and dma-buf of it holds the module
//   (rmmod: "in use"; 6.12's vkms is a bare platform device with no driver to unbind). So its
//   rounds check the other half: once the display, buffers and device are closed nothing of
//   ours holds it, it unloads, and it loads and shows again.
const ROUNDS = Number(process.env.DISPLAY_LOSS_ROUNDS ?? 6);
const VIRTIO_GPU = '/sys/bus/virtio/drivers/virtio_gpu';
const NO_HANG_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const inoOf = (b: DmaBuf): number => Number(b.identity.split(':')[1]);
const kernelInodes = (): Set<number> =>
  new Set(parseBufInfo(readFileSync(BUFINFO, 'utf8')).buffers.map((b) => b.ino));

function cardOf(driver: string): string | undefined {
  return listDrmDevices().find((d) => d.driver === driver && d.node === 'primary')?.path;
}

async function waitFor<T>(what: string, get: () => T | undefined, ms = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > ms) throw new Error(`${what}: not after ${ms} ms`);
    await sleep(100);
  }
}

/** `p` settled (its value or its error), or a failure naming `what` when it hangs. */
function settled<T>(p: Promise<T>, what: string): Promise<{ value?: T; error?: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not end within ${NO_HANG_MS} ms`)), NO_HANG_MS);
  });
  return Promise.race([
    p.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    hang,
  ]).finally(() => clearTimeout(timer));
}

/** A display on `dev` showing the first of three XR24 framebuffers of its mode's size. */
async function showing(dev: DrmDevice) {
  const fw = await Framework.create({ plugins: [drmExporterPlugin({ device: dev })] });
  const display = Display.open(dev);
  const bufs = [0, 1, 2].map(() =>
    fw.export({ exporter: 'drm', width: display.width, height: display.height, format: 'XR24' }),
  );
  const fbs: Framebuffer[] = bufs.map((b) => display.framebuffer(b));
  await display.show(fbs[0]!);
  return { fw, display, bufs, fbs };
}

/** show() in a loop until it fails (rejects with why). */
async function showLoop(display: Display, fbs: Framebuffer[]): Promise<never> {
  let i = 0;
  for (;;) await display.show(fbs[++i % fbs.length]!);
}

labSuite('the display device gone mid-stream, again and again', { needs: ['virtio-gpu', 'vkms'] }, () => {
  it(`virtio-gpu unbound mid-stream ${ROUNDS} times (show(), a link, a link whose display is closed at once, in turn): DrmDeviceLostError, no hang, every buffer released, fds and dma-bufs back, the card comes back under the same name`, async () => {
    const path = cardOf('virtio_gpu')!;
    const vdev = readdirSync(VIRTIO_GPU).find((n) => n.startsWith('virtio'))!;
    const fds = openFdCount();
    const samples: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // show(); a link awaited to its end; a link whose display is closed at once, while its thread
      // may still wait for a flip the unplugged device never completes (the close joins it, bounded)
      const viaLink = round % 3 !== 0;
      const closeAtOnce = round % 3 === 2;
      const dev = DrmDevice.open(path);
      const { fw, display, bufs, fbs } = await showing(dev);
      const inodes = bufs.map(inoOf);
      let link: Link | undefined;
      let ended: Promise<unknown>;
      if (viaLink) {
        link = new Link(cyclingSource(bufs), display.port(fbs)).start();
        ended = link.done;
        await waitFor('10 flips on the link', () => link!.stats.shown >= 10 || link!.state === 'ended');
      } else {
        ended = showLoop(display, fbs);
        await waitFor('10 flips', () => display.flips >= 10);
      }
      const flipsBefore = viaLink ? link!.stats.shown : display.flips;
      writeFileSync(`${VIRTIO_GPU}/unbind`, vdev);
      let closeMs = -1;
      if (closeAtOnce) {
        const t0 = performance.now();
        display.close(); // the link stops and its thread is joined before the restore (which ENODEV skips)
        closeMs = performance.now() - t0;
        expect(linkThreads(), `round ${round}: link threads after close()`).toBe(0);
        expect(link!.state).toBe('ended');
      }
      const r = await settled(ended, viaLink ? 'the link' : 'show()');
      if (closeAtOnce) {
        // ended by the close (its stats) or by the loss it saw first (typed)
        if (r.error !== undefined) expect(r.error, `round ${round}`).toBeInstanceOf(DrmDeviceLostError);
        else expect((r.value as { shown: number }).shown).toBeGreaterThanOrEqual(10);
      } else {
        expect(r.error, `round ${round}`).toBeInstanceOf(DrmDeviceLostError);
        expect(r.error).toMatchObject({ code: 'ENODEV', errno: 19 });
      }
      if (link) expect(link.state).toBe('ended');
      // a lost device refuses, typed, and closing what was made on it still works
      if (!closeAtOnce) await expect(display.show(fbs[1]!)).rejects.toBeInstanceOf(DrmDeviceLostError);
      display.close();
      for (const b of bufs) {
        expect(b.attachments).toHaveLength(0);
        b.put();
      }
      await fw.close();
      dev.close();
      samples.push(
        `${closeAtOnce ? `link closed at once (close() ${closeMs.toFixed(1)} ms)` : viaLink ? 'link' : 'show'} ${flipsBefore} flips: ${r.error ? (r.error as Error).message.split('.')[0] : 'done resolved'}`,
      );
      expect(openFdCount(), `round ${round}: fds`).toBe(fds);
      const left = kernelInodes();
      expect(
        inodes.filter((i) => left.has(i)),
        `round ${round}: our buffers in ${BUFINFO}`,
      ).toEqual([]);
      writeFileSync(`${VIRTIO_GPU}/bind`, vdev);
      // nothing of ours holds the old device: its minor is free and the new one takes it
      expect(await waitFor('virtio-gpu back', () => cardOf('virtio_gpu'))).toBe(path);
    }
    console.log(`display lost x${ROUNDS}:\n  ${samples.join('\n  ')}`);
    // and it works again
    using dev = DrmDevice.open(path);
    const again = await showing(dev);
    again.display.close();
    for (const b of again.bufs) b.put();
    await again.fw.close();
  }, 600_000);

  it(`vkms: held while a display is open (rmmod says in use); once closed it unloads and loads again, ${ROUNDS} rounds of show() and a link`, async () => {
    const param = (p: string) => readFileSync(`/sys/module/vkms/parameters/${p}`, 'utf8').trim() === 'Y';
    const opts = ['enable_cursor', 'enable_overlay', 'enable_writeback']
      .filter((p) => existsSync(`/sys/module/vkms/parameters/${p}`))
      .map((p) => `${p}=${param(p) ? 1 : 0}`);
    const modroot = process.env.DMABUF_LAB_MODROOT;
    expect(modroot, 'DMABUF_LAB_MODROOT (set by dmabuf-lab)').toBeTruthy();
    const fds = openFdCount();
    for (let round = 0; round < ROUNDS; round++) {
      const path = await waitFor('vkms card', () => cardOf('vkms'));
      const dev = DrmDevice.open(path);
      const { fw, display, bufs, fbs } = await showing(dev);
      const link = new Link(cyclingSource(bufs), display.port(fbs)).start();
      await waitFor('5 flips on the link', () => link.stats.shown >= 5 || link.state === 'ended');
      await link.stop();
      for (let i = 0; i < 5; i++) await display.show(fbs[i % 3]!);
      const busy = spawnSync('/sbin/rmmod', ['vkms'], { encoding: 'utf8' });
      expect(busy.status, `round ${round}: rmmod under an open display`).not.toBe(0);
      expect(busy.stderr).toMatch(/in use/);
      display.close();
      for (const b of bufs) b.put();
      await fw.close();
      dev.close();
      expect(openFdCount(), `round ${round}: fds`).toBe(fds);
      expect(readFileSync('/sys/module/vkms/refcnt', 'utf8').trim(), `round ${round}: vkms refcnt`).toBe('0');
      execFileSync('/sbin/rmmod', ['vkms']);
      expect(cardOf('vkms')).toBeUndefined();
      execFileSync('/sbin/modprobe', ['-d', modroot!, 'vkms', ...opts]);
    }
    console.log(`vkms: ${ROUNDS} rounds of show/link/close/rmmod/modprobe (${opts.join(' ')})`);
  }, 600_000);
});
