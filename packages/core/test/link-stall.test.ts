import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cyclingSource,
  type DmaBuf,
  DmaBufError,
  Framework,
  holderOf,
  InvalidArgumentError,
  Link,
} from '../src/index.js';
import { memfdExporterPlugin, stallingSink } from '../src/testing/index.js';

// Real links on the host: core's cycling source into a sink that never completes (a display whose
// flip event never comes), run by the native engine on its own thread.
let fw: Framework;
beforeAll(async () => {
  fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
});
afterAll(async () => {
  await fw.close();
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
