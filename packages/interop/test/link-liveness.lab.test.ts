import { cyclingSource, type DmaBuf, Framework, Link, type LinkStats, openFdCount } from '@dmabuf/core';
import { Display, type DrmDevice, DrmError, drmExporterPlugin, findDrmDevice } from '@dmabuf/exporter-drm';
import { labSuite } from '@dmabuf/lab/suite';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { drmNative } from '../../exporter-drm/src/native.js';

// A flip link whose flip never completes, as far as the link can tell: the display promises a
// completion within 5 s (complete_within_ms of its port); one not seen by then stops the link
// with DrmError ETIMEDOUT (DrmDeviceLostError when the device is gone: display-lost tests).
//
// No lab display leaves a flip pending on its own (vkms completes on its vblank timer,
// virtio-gpu when the host has the picture; an unplugged device fails the next call at once). What
// does make the link wait forever on real hardware and drivers is a second reader of the
// display's file: a flip completion is one event on the fd, and whoever reads it first has it
// (an application's own drmHandleEvent on the fd it gave the display). Here the test is that
// reader: it reads the device's events until it has taken one of the link's flips.

const W = 640;
const H = 480;

/** Read the display's events until a flip event is taken (true), or `ms` pass (false). Busy: it must win the race. */
function takeFlipEvent(fd: number, ms: number): boolean {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const events = drmNative().readEvents(fd);
    if (typeof events !== 'number' && events.some((e) => e.type === 'flip')) return true;
  }
  return false;
}

async function until(link: Link, cond: (s: LinkStats) => boolean, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond(link.stats)) {
    if (link.state === 'ended') await link.done;
    if (link.state === 'ended' || Date.now() - t0 > 60_000)
      throw new Error(`waiting for ${what}: ${JSON.stringify(link.stats)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

labSuite('link liveness: a flip that never completes', { needs: ['virtio-gpu'] }, () => {
  let fw: Framework;
  let card: DrmDevice;

  beforeAll(async () => {
    card = findDrmDevice({ display: true, dumbBuffers: true });
    fw = await Framework.create({ plugins: [drmExporterPlugin({ device: card })] });
  });
  afterAll(async () => {
    await fw?.close();
    card?.close();
  });

  it("a flip event the link never sees (another reader of the display's fd took it) stops the link after the display's limit with DrmError ETIMEDOUT: counted abandoned, every buffer back, the display flips from JavaScript again, no fd left", async () => {
    const fds = openFdCount();
    const display = Display.open(card);
    const bufs: DmaBuf[] = [0, 1].map(() =>
      fw.export({ exporter: 'drm', width: W, height: H, format: 'XR24' }),
    );
    const fbs = bufs.map((b) => display.framebuffer(b));
    await display.show(fbs[0]!);
    const link = new Link(cyclingSource(bufs), display.port(fbs)).start();
    onTestFinished(() =>
      link.stop().then(
        () => {},
        () => {},
      ),
    );
    await until(link, (s) => s.shown >= 3, '3 flips');
    let tries = 0;
    while (!takeFlipEvent(card.fd, 2_000)) {
      // the link's thread read every event first this time
      if (++tries >= 10) throw new Error(`no flip event taken from the link: ${JSON.stringify(link.stats)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const shown = link.stats.shown;
    const t0 = performance.now();
    const error = await link.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    const waitedMs = performance.now() - t0;
    expect(error).toBeInstanceOf(DrmError);
    expect(error).toMatchObject({ code: 'ETIMEDOUT', errno: 110, syscall: 'read' });
    expect((error as Error).message).toMatch(/a page flip of the link never completed \(none within 5 s\)/);
    const s = link.stats;
    expect(link.state).toBe('ended');
    expect(s.shown).toBe(shown); // nothing completed after the taken event
    expect(s).toMatchObject({ inFlight: 0, abandoned: 1 });
    expect(s.frames).toBe(s.shown + s.dropped);
    await expect(link.stop()).rejects.toBe(error);
    // the kernel completed that flip: the display is free, and flips from JavaScript at once
    await display.flip(fbs[1]!);
    await display.flip(fbs[0]!);
    display.close();
    for (const b of bufs) b.put();
    expect(openFdCount()).toBe(fds);
    console.log(
      `flip event taken after ${tries + 1} ${tries ? 'tries' : 'try'}: the link ended ${(waitedMs / 1000).toFixed(2)} s later with ${(error as Error).name} ${(error as DrmError).code}; stats ${JSON.stringify(s)}`,
    );
  }, 120_000);
});
