import { countingSink, type DmaBuf, Link, type LinkStats, openFdCount } from '@dmabuf/core';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import { V4l2M2mDevice } from '../../importer-v4l2/src/index.js';
import { linkThreads, squatter } from './link-teardown.js';
import { cameraIntoVim2m, cameraSuite, captureBufs, configureRgb, startFeed } from './vim2m-rig.js';

const W = 640;
const H = 360;
/** Rounds of the close-mid-link loop. */
const ROUNDS = Number(process.env.LINK_CLOSE_ROUNDS ?? 10);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Resolve once `cond` holds (checked every 50 ms); fail when a link ended first or after `ms`. */
async function until(links: Link[], cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    for (const l of links) if (l.state === 'ended') await l.done; // throws why it ended
    if (Date.now() - t0 > ms)
      throw new Error(`waiting for ${what}: ${JSON.stringify(links.map((l) => l.stats))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Frames counted = the source's sequence span less its reported skips. */
function consistent(s: LinkStats): void {
  expect(s.frames).toBe(s.lastSequence - s.firstSequence + 1 - s.skipped + s.repeated);
}

labSuite('links through a memory-to-memory device', { needs: ['vivid', 'vim2m', 'udmabuf'] }, () => {
  const suite = cameraSuite();

  it('camera → vim2m → counting sink as two links (a V4L2 OUTPUT queue as a sink, an M2M CAPTURE queue as a source): frames flow with no JavaScript per frame, stop gives every buffer back, no fd leaked', async () => {
    const fds = openFdCount();
    const rig = cameraIntoVim2m(suite, { width: W, height: H, fps: 60 });
    const { camQ, camBufs, m2m } = rig;
    let outBufs: DmaBuf[] = [];
    try {
      const out = m2m.open('output', { count: 4, memory: 'dmabuf' });
      const cap = m2m.open('capture', { count: 3, memory: 'dmabuf' });
      outBufs = captureBufs(suite, cap, rig, 3);
      // the camera's buffers are the slots of both its queue and vim2m's OUTPUT
      for (const b of camBufs) camQ.attach(b);
      for (const b of camBufs) out.attach(b);
      for (const b of outBufs) cap.attach(b);
      const converted = new Link(cap.port(), countingSink()).start();
      const fed = new Link(camQ.port(), out.port()).start();
      // vim2m hands back a camera frame (OUTPUT DQBUF, counted shown by `fed`) as it finishes the
      // picture made from it (CAPTURE, counted by `converted`): the two links' threads see them in
      // either order, so both are waited for
      await until(
        [fed, converted],
        () => converted.stats.frames >= 30 && fed.stats.shown >= 30,
        '30 converted frames, 30 camera frames vim2m was done with',
      );
      const f = await fed.stop(); // the camera stops; what vim2m still holds comes back
      expect(f.inFlight).toBe(0);
      consistent(f);
      const c = await converted.stop();
      consistent(c);
      // vim2m turned every camera frame it finished into one picture; a frame it finished as `fed`
      // stopped came back with the stop (counted abandoned, not shown) while its picture still
      // reached `converted`
      expect(c.frames).toBeGreaterThanOrEqual(f.shown - 3);
      expect(c.frames).toBeLessThanOrEqual(f.shown + f.abandoned);
      expect(c.shown).toBe(c.frames);
      // back with their queues: nothing holds them, every slot detaches
      out.close();
      cap.close();
      camQ.close();
      for (const b of [...camBufs, ...outBufs]) expect(b.attachments).toHaveLength(0);
    } finally {
      m2m.close();
      camQ.close();
      for (const b of [...camBufs, ...outBufs]) if (!b.released) b.put();
    }
    expect(openFdCount()).toBe(fds);
  });

  it('a link into vim2m’s OUTPUT queue started before its CAPTURE side streams keeps running (vim2m says POLLERR while neither queue has a buffer: nothing to wait for, not a failure)', async () => {
    const fds = openFdCount();
    const rig = cameraIntoVim2m(suite, { width: W, height: H, count: 3 });
    const { camQ, camBufs, m2m } = rig;
    let outBufs: DmaBuf[] = [];
    try {
      const out = m2m.open('output', { count: 3, memory: 'dmabuf' });
      const cap = m2m.open('capture', { count: 2, memory: 'dmabuf' });
      outBufs = captureBufs(suite, cap, rig, 2);
      for (const b of camBufs) camQ.attach(b);
      for (const b of camBufs) out.attach(b);
      for (const b of outBufs) cap.attach(b);
      const fed = new Link(camQ.port(), out.port()).start(); // was: ended at once, StreamError EIO at poll
      await until([fed], () => fed.stats.frames >= 3, '3 camera frames with nothing on CAPTURE');
      const converted = new Link(cap.port(), countingSink()).start();
      await until([fed, converted], () => converted.stats.frames >= 10, '10 converted frames');
      expect(fed.state).toBe('running');
      await fed.stop();
      await converted.stop();
      out.close();
      cap.close();
      camQ.close();
    } finally {
      m2m.close();
      camQ.close();
      for (const b of [...camBufs, ...outBufs]) if (!b.released) b.put();
    }
    await new Promise((r) => setTimeout(r, 100)); // the engine closes its watches
    expect(openFdCount()).toBe(fds);
  });

  it(`closing vim2m while the camera feeds its OUTPUT queue on a link, ${ROUNDS} times, ends the link first: close() returns with the link's thread joined and its fds closed, done resolves, every buffer detached, the fd number taken at once is never touched`, async () => {
    const fds = openFdCount();
    const closeMs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      {
        // nothing takes vim2m's CAPTURE side: what the link submits stays queued (in flight) at the close
        using feed = startFeed(suite, { width: W, height: H });
        const { camQ, camBufs, m2m, fed } = feed;
        await until([fed], () => fed.stats.frames >= 3, '3 camera frames');
        const number = m2m.device.fd;
        const t0 = performance.now();
        m2m.close(); // its OUTPUT queue ends the link (STREAMOFF takes back what is in flight), detaches
        closeMs.push(performance.now() - t0);
        const squat = squatter(number);
        expect(linkThreads(), `round ${round}: link threads after close()`).toBe(0);
        expect(fed.state).toBe('ended');
        const s = await fed.done;
        expect(s.frames).toBeGreaterThanOrEqual(3);
        for (const b of camBufs) expect(b.attachments).toHaveLength(1); // the camera's queue only
        camQ.close();
        for (const b of camBufs) expect(b.attachments).toHaveLength(0);
        expect(squat.intact(), `round ${round}: the file that took fd ${number}`).toBe(true);
      }
      expect(openFdCount(), `round ${round}: fds`).toBe(fds); // no wait: the engine's fds closed in close()
    }
    console.log(
      `vim2m closed mid-link x${ROUNDS}: close() median ${median(closeMs).toFixed(1)} ms, max ${Math.max(...closeMs).toFixed(1)} ms`,
    );
  }, 600_000);

  it(`closing the camera while it feeds vim2m’s OUTPUT queue on a link (nothing taken on CAPTURE: every submitted frame stays in flight), ${ROUNDS} times: close() returns with the link's thread joined (the sink's STREAMOFF took back what was in flight), done resolves, the queue is the sink's again`, async () => {
    const fds = openFdCount();
    const closeMs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      {
        using feed = startFeed(suite, { width: W, height: H });
        const { camQ, camBufs, out, fed } = feed;
        await until([fed], () => fed.stats.shown + fed.stats.inFlight >= 2, '2 frames submitted to vim2m');
        const t0 = performance.now();
        camQ.close(); // was: the link's thread waited on (up to 1 s) for vim2m to hand back what it held
        closeMs.push(performance.now() - t0);
        expect(linkThreads(), `round ${round}: link threads after close()`).toBe(0);
        expect(fed.state).toBe('ended');
        const s = await fed.done;
        expect(s.frames).toBeGreaterThanOrEqual(2);
        // the sink's STREAMOFF took back what was in flight: not shown, so dropped (and abandoned)
        expect(s.frames).toBe(s.shown + s.dropped);
        // back with vim2m's OUTPUT queue, streamed off: JavaScript may close it at once
        for (const b of camBufs) expect(b.attachments).toHaveLength(1);
        out.close();
        for (const b of camBufs) expect(b.attachments).toHaveLength(0);
      }
      expect(openFdCount(), `round ${round}: fds`).toBe(fds);
    }
    console.log(
      `camera closed while feeding vim2m x${ROUNDS}: close() median ${median(closeMs).toFixed(1)} ms, max ${Math.max(...closeMs).toFixed(1)} ms`,
    );
  }, 600_000);

  it('an output queue with MMAP memory is no sink: a typed error saying to use dma-buf memory', () => {
    using m2m = V4l2M2mDevice.find({ driver: 'vim2m' });
    configureRgb(m2m, W, H);
    const out = m2m.open('output', { count: 2, memory: 'mmap' });
    expect(() => out.port()).toThrow(/dma-buf memory only/);
  });
});
