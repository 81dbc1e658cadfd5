import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertNotHeld,
  countingSink,
  cyclingSource,
  type DmaBuf,
  DmaBufError,
  Framework,
  holderOf,
  InvalidArgumentError,
  isLinkPort,
  LifecycleError,
  Link,
  LinkHeldError,
  plainDevice,
} from '../src/index.js';
import { holdBuffer } from '../src/link/holds.js';
import { checkLinkOptions } from '../src/link/link-options.js';
import { memfdExporterPlugin, stallingSink } from '../src/testing/index.js';

let fw: Framework;
beforeAll(async () => {
  fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
});
afterAll(async () => {
  await fw.close();
});

describe('links (host: argument checks and holds; the lab runs real links: interop link.lab.test.ts)', () => {
  it('ports of its own: a counting sink and a cycling source', () => {
    const bufs = [fw.export({ size: 4096 }), fw.export({ size: 4096 })];
    const src = cyclingSource(bufs);
    expect(isLinkPort(src)).toBe(true);
    expect(src.kind).toBe('source');
    expect(src.slots()).toEqual([[bufs[0]], [bufs[1]]]);
    expect(countingSink()).toMatchObject({ kind: 'sink', name: 'counting sink' });
    expect(countingSink().slots()).toEqual([]);
    for (const b of bufs) b.put();
  });

  it('bad arguments are typed errors before anything is claimed', () => {
    const bad = [undefined, null, 1, 'x', {}, [], NaN];
    for (const v of bad) {
      expect(() => new Link(v as never, countingSink())).toThrow(InvalidArgumentError);
      expect(
        () => new Link(cyclingSource([fw.export({ size: 4096 }), fw.export({ size: 4096 })]), v as never),
      ).toThrow(InvalidArgumentError);
      expect(() => cyclingSource(v as never)).toThrow(InvalidArgumentError);
      expect(isLinkPort(v)).toBe(false);
    }
    expect(() => new Link(countingSink(), countingSink())).toThrow(/a source port/);
    expect(() => cyclingSource([fw.export({ size: 4096 })])).toThrow(/at least two/);
    const src = () => cyclingSource([fw.export({ size: 4096 }), fw.export({ size: 4096 })]);
    for (const options of [
      1,
      { signal: {} },
      { onStats: 1 },
      { statsEveryMs: -1 },
      { statsEveryMs: NaN },
      { statsEveryFrames: 2 ** 40 },
      { tap: 1 },
      { tap: { every: 0, onFrame: () => {} } },
      { tap: { every: 2, onFrame: 1 } },
    ])
      expect(() => new Link(src(), countingSink(), options as never)).toThrow(InvalidArgumentError);
    const aborted = AbortSignal.abort(new Error('stop'));
    expect(() => new Link(src(), countingSink(), { signal: aborted })).toThrow('stop');
  });

  it('statsEveryMs 0 turns the stats timer off, as documented; without it stats come every 250 ms unless statsEveryFrames is given', () => {
    expect(checkLinkOptions({ statsEveryMs: 0 }).statsEveryMs).toBe(0);
    expect(checkLinkOptions({ statsEveryMs: 0, statsEveryFrames: 30 })).toMatchObject({
      statsEveryMs: 0,
      statsEveryFrames: 30,
    });
    expect(checkLinkOptions({}).statsEveryMs).toBe(250);
    expect(checkLinkOptions({ statsEveryFrames: 30 }).statsEveryMs).toBe(0);
    expect(() => checkLinkOptions({ statsEveryMs: 0.5 })).toThrow(InvalidArgumentError);
  });

  it('two ports that never wait on a device are refused (a link would spin), and nothing stays claimed or held', () => {
    const bufs = [fw.export({ size: 4096 }), fw.export({ size: 4096 })];
    expect(() => new Link(cyclingSource(bufs), countingSink())).toThrow(LifecycleError);
    for (const b of bufs) {
      expect(holderOf(b)).toBeUndefined();
      b.put();
    }
  });

  it('a held buffer refuses unmap, detach and release with LinkHeldError naming the link, until let go', () => {
    const buf = fw.export({ size: 4096 });
    const att = buf.attach(plainDevice('dev'));
    const map = att.map();
    const release = holdBuffer(buf, 'link A → B');
    expect(holderOf(buf)).toBe('link A → B');
    expect(() => map.unmap()).toThrow(LinkHeldError);
    expect(() => att.detach()).toThrow(/detach dev refused: link A → B holds it/);
    expect(() => buf.put()).toThrow(expect.objectContaining({ code: 'EBUSY', name: 'LinkHeldError' }));
    expect(() => assertNotHeld(buf, 'x')).toThrow(LinkHeldError);
    expect(() => assertNotHeld(null as never, 'x')).toThrow(InvalidArgumentError);
    expect(map.mapped).toBe(true);
    release();
    release(); // once
    expect(holderOf(buf)).toBeUndefined();
    map.unmap();
    att.detach();
    buf.put();
    expect(buf.released).toBe(true);
  });
});

function buffers(): DmaBuf[] {
  return [fw.export({ size: 4096 }), fw.export({ size: 4096 })];
}

async function inFlight(link: Link): Promise<void> {
  const t0 = Date.now();
  while (link.stats.inFlight === 0) {
    if (Date.now() - t0 > 10_000) throw new Error(`nothing submitted: ${JSON.stringify(link.stats)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function letGo(bufs: DmaBuf[]): void {
  for (const b of bufs) {
    expect(holderOf(b)).toBeUndefined();
    b.put();
  }
}

// Real links on the host: core's cycling source into a sink that never completes (a display whose
// flip event never comes), run by the native engine on its own thread.
describe('a link whose sink never completes (host: the engine with a stalling sink)', () => {
  it('stop() with a submission in flight: the final stats count it dropped and abandoned, not shown', async () => {
    const bufs = buffers();
    const link = new Link(cyclingSource(bufs), stallingSink()).start();
    await inFlight(link);
    const live = link.stats;
    expect(live).toMatchObject({ shown: 0, inFlight: 1, dropped: 0, abandoned: 0 });
    const s = await link.stop(); // waits for the completion a while, then gives up on it
    expect(s).toMatchObject({ shown: 0, inFlight: 0, abandoned: 1 });
    expect(s.frames).toBeGreaterThanOrEqual(1);
    expect(s.frames).toBe(s.shown + s.dropped);
    expect(await link.done).toEqual(s);
    letGo(bufs);
  });

  it("the owner's close() with a submission in flight: done resolves, the frame counted abandoned", async () => {
    const bufs = buffers();
    const sink = stallingSink();
    const link = new Link(cyclingSource(bufs), sink).start();
    await inFlight(link);
    sink.close();
    expect(link.state).toBe('ended');
    const s = await link.done;
    expect(s).toMatchObject({ shown: 0, inFlight: 0, abandoned: 1 });
    expect(s.frames).toBe(s.shown + s.dropped);
    expect(link.stats).toEqual(s);
    sink.close(); // not linked any more: nothing happens
    letGo(bufs);
  });

  it('an abort with a submission in flight: done rejects with the reason, stop() gives the same accounting', async () => {
    const bufs = buffers();
    const ac = new AbortController();
    const link = new Link(cyclingSource(bufs), stallingSink(), { signal: ac.signal }).start();
    await inFlight(link);
    const reason = new Error('enough');
    ac.abort(reason);
    await expect(link.done).rejects.toBe(reason);
    const s = await link.stop();
    expect(s).toMatchObject({ shown: 0, inFlight: 0, abandoned: 1 });
    expect(s.frames).toBe(s.shown + s.dropped);
    letGo(bufs);
  });

  it('a submission not completed within the time the sink promised stops the link with ETIMEDOUT', async () => {
    const bufs = buffers();
    const link = new Link(cyclingSource(bufs), stallingSink({ completeWithinMs: 50 })).start();
    const error = await link.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DmaBufError);
    expect(error).toMatchObject({ code: 'ETIMEDOUT', errno: 110, syscall: 'collect' });
    expect(link.state).toBe('ended');
    const s = link.stats;
    expect(s).toMatchObject({ shown: 0, inFlight: 0, abandoned: 1 });
    expect(s.frames).toBe(s.shown + s.dropped);
    await expect(link.stop()).rejects.toBe(error);
    letGo(bufs);
  });

  it('the same, with the device gone: ENODEV (a display unplugged whose flip never completes)', async () => {
    const bufs = buffers();
    const link = new Link(cyclingSource(bufs), stallingSink({ completeWithinMs: 50, gone: true })).start();
    await expect(link.done).rejects.toMatchObject({ code: 'ENODEV', errno: 19, syscall: 'collect' });
    expect(link.stats).toMatchObject({ shown: 0, inFlight: 0, abandoned: 1 });
    letGo(bufs);
  });

  it('bad options are typed errors', () => {
    for (const o of [
      1,
      null,
      { completeWithinMs: -1 },
      { completeWithinMs: 1.5 },
      { completeWithinMs: NaN },
      { gone: 1 },
    ])
      expect(() => stallingSink(o as never)).toThrow(InvalidArgumentError);
  });
});
