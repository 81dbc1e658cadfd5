import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AnyAttachment,
  closeFd,
  type DeviceMapping,
  type DmaBuf,
  DmaBufError,
  Framework,
  openFdCount,
  plainDevice,
} from '../src/index.js';
import { native } from '../src/native.js';
import { memfdExporterPlugin } from '../src/testing/index.js';

type Op =
  | { op: 'export'; pages: number; lazy: boolean }
  | { op: 'attach' | 'get' | 'put' | 'fd' | 'cpu' | 'getFd'; i: number }
  | { op: 'map' | 'detach' | 'dispose-att'; i: number }
  | { op: 'unmap'; i: number }
  | { op: 'close-fd'; i: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('export' as const),
    pages: fc.integer({ min: 1, max: 4 }),
    lazy: fc.boolean(),
  }),
  fc.record({
    op: fc.constantFrom(
      'attach' as const,
      'get' as const,
      'put' as const,
      'fd' as const,
      'cpu' as const,
      'getFd' as const,
    ),
    i: fc.nat(7),
  }),
  fc.record({ op: fc.constantFrom('map' as const, 'detach' as const, 'dispose-att' as const), i: fc.nat(7) }),
  fc.record({ op: fc.constant('unmap' as const), i: fc.nat(7) }),
  fc.record({ op: fc.constant('close-fd' as const), i: fc.nat(7) }),
);

interface Model {
  refs: Map<DmaBuf, number>;
}

/** Run one op; return whether the model says it must succeed, and check it did (or failed typed). */
function step(
  fw: Framework,
  s: { bufs: DmaBuf[]; atts: AnyAttachment[]; maps: DeviceMapping[]; fds: number[] },
  m: Model,
  o: Op,
): void {
  const pick = <T>(xs: T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);
  const expectOutcome = (shouldWork: boolean, fn: () => void) => {
    let threw: unknown;
    try {
      fn();
    } catch (e) {
      threw = e;
    }
    if (threw !== undefined && !(threw instanceof DmaBufError)) throw threw;
    expect(threw === undefined, `${o.op} ${shouldWork ? 'should work' : 'should be refused'}: ${threw}`).toBe(
      shouldWork,
    );
  };
  switch (o.op) {
    case 'export': {
      const b = fw.export({ size: o.pages * 4096, lazy: o.lazy });
      s.bufs.push(b);
      m.refs.set(b, 1);
      return;
    }
    case 'attach': {
      const b = pick(s.bufs, o.i);
      if (!b) return;
      expectOutcome(!b.released, () => s.atts.push(b.attach(plainDevice(`dev${o.i}`))));
      return;
    }
    case 'get': {
      const b = pick(s.bufs, o.i);
      if (!b) return;
      expectOutcome(!b.released, () => {
        b.get();
        m.refs.set(b, (m.refs.get(b) ?? 0) + 1);
      });
      return;
    }
    case 'put': {
      const b = pick(s.bufs, o.i);
      if (!b) return;
      const refs = m.refs.get(b) ?? 0;
      const ok = !b.released && (refs > 1 || b.attachments.length === 0);
      expectOutcome(ok, () => b.put());
      if (ok) m.refs.set(b, refs - 1);
      return;
    }
    case 'fd': {
      const b = pick(s.bufs, o.i);
      if (!b) return;
      expectOutcome(!b.released, () => s.fds.push(b.fd()));
      return;
    }
    case 'getFd': {
      const fd = pick(s.fds, o.i);
      if (fd === undefined) return;
      const b = fw.get(fd);
      if (!s.bufs.includes(b)) {
        s.bufs.push(b);
        m.refs.set(b, 1);
      } else {
        m.refs.set(b, (m.refs.get(b) ?? 0) + 1);
      }
      return;
    }
    case 'close-fd': {
      if (!s.fds.length) return;
      const [fd] = s.fds.splice(o.i % s.fds.length, 1);
      closeFd(fd!);
      return;
    }
    case 'cpu': {
      const b = pick(s.bufs, o.i);
      if (!b) return;
      expectOutcome(!b.released, () => {
        using a = b.cpuAccess('readwrite');
        a.bytes[0] = (a.bytes[0]! + 1) & 0xff;
      });
      return;
    }
    case 'map': {
      const a = pick(s.atts, o.i);
      if (!a) return;
      expectOutcome(a.attached && !a.buffer.released, () => s.maps.push(a.map()));
      return;
    }
    case 'unmap': {
      const mp = pick(s.maps, o.i);
      if (!mp) return;
      expectOutcome(mp.mapped, () => mp.unmap());
      return;
    }
    case 'detach': {
      const a = pick(s.atts, o.i);
      if (!a) return;
      expectOutcome(a.attached && a.mapCount === 0, () => a.detach());
      return;
    }
    case 'dispose-att': {
      const a = pick(s.atts, o.i);
      if (!a) return;
      a[Symbol.dispose]();
      expect(a.attached).toBe(false);
      return;
    }
  }
}

describe('property: random lifecycles', () => {
  it('never crash, refuse only what the model forbids, keep refcounts, and leak no fd or mapping', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 60 }), async (ops) => {
        const fdsBefore = openFdCount();
        const fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
        const s = {
          bufs: [] as DmaBuf[],
          atts: [] as AnyAttachment[],
          maps: [] as DeviceMapping[],
          fds: [] as number[],
        };
        const m: Model = { refs: new Map() };
        try {
          for (const o of ops) {
            step(fw, s, m, o);
            for (const b of s.bufs) {
              expect(b.refCount).toBe(b.released ? 0 : m.refs.get(b));
              if (!b.released) expect(b.attachments.every((a) => a.attached)).toBe(true);
            }
          }
        } finally {
          for (const fd of s.fds) closeFd(fd);
          await fw.close();
        }
        for (const b of s.bufs) expect(b.released).toBe(true);
        expect(openFdCount()).toBe(fdsBefore);
        expect(native().liveMappings()).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
