import { describe, expect, it } from 'vitest';
import { slope, slopes, soaker } from '../src/soak/sampler.js';

describe('soak sampler', () => {
  it('slope is per 1,000 x (least squares)', () => {
    expect(slope([0, 1000, 2000], [5, 7, 9])).toBeCloseTo(2);
    expect(slope([0, 10, 20, 30], [3, 3, 3, 3])).toBe(0);
    expect(slope([7], [1])).toBe(0);
  });

  it('slopes leave out the first 20 % of the samples (the warm-up)', () => {
    // a jump in the first 20 % (V8 pages at start), flat afterwards
    const rows = Array.from({ length: 10 }, (_, k) => ({
      i: k * 100,
      fds: 20,
      maps: k < 2 ? 100 + 30 * k : 200,
      heap: 1000 + k, // +1 KiB per 100 cycles = 10 per 1,000
      rss: 5000,
    }));
    expect(slopes(rows)).toEqual({ fds: 0, maps: 0, heapKb: 10, rssKb: 0 });
  });

  it('soaker runs the cycle N times and samples it', async () => {
    const lines: string[] = [];
    const seen: number[] = [];
    const soak = soaker({ cycles: 20, samples: 4, yieldEvery: 5, log: (l) => lines.push(l) });
    const r = await soak('count', (i) => {
      seen.push(i);
    });
    expect(seen).toHaveLength(20);
    expect(r).toMatchObject({ phase: 'count', cycles: 20, perThousand: { fds: 0 } });
    expect(r.first?.i).toBe(0);
    expect(r.last?.i).toBe(19);
    expect(lines[0]).toMatch(/^SOAK \{/);
  });
});
