import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertNotHeld,
  countingSink,
  cyclingSource,
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
import { memfdExporterPlugin } from '../src/testing/index.js';

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
