import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, type LinkStats } from '../src/index.js';
import { linkMeter } from '../src/testing/index.js';

/** Stats as a link's batched event would carry them (only `shown` matters to the meter). */
const at = (shown: number): LinkStats => ({
  frames: shown,
  shown,
  dropped: 0,
  skipped: 0,
  errors: 0,
  firstSequence: 0,
  lastSequence: shown - 1,
  fps: 60,
  latencyMedianMs: 1,
  latencyP99Ms: 2,
  inFlight: 0,
  tapped: 0,
  seconds: shown / 60,
  repeated: 0,
  abandoned: 0,
});

/** Some CPU time that process.cpuUsage() sees. */
function spin(ms: number): void {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) Math.sqrt(Math.random());
}

describe('linkMeter (the link benchmarks measure frames warmup..warmup+frames from batched stats)', () => {
  it('asks the link for warmup + frames shown frames and a stats event every warmup frames', () => {
    const m = linkMeter({ warmup: 30, frames: 270 });
    expect(m.options.frames).toBe(300);
    expect(m.options.statsEveryFrames).toBe(30);
    expect(typeof m.options.onStats).toBe('function');
  });

  it('measures from the warmup-th shown frame to the last: CPU and time per measured frame, the final stats', async () => {
    const m = linkMeter({ warmup: 10, frames: 20 });
    const onStats = m.options.onStats!;
    spin(30); // before the warm-up ends: not counted
    onStats(at(10));
    spin(20);
    onStats(at(20));
    spin(20);
    onStats(at(30));
    spin(50); // after the end: not counted
    onStats(at(30));
    const r = await m.measured;
    expect(r.frames).toBe(20);
    expect(r.stats.shown).toBe(30);
    expect(r.ms).toBeGreaterThan(0);
    expect(r.fps).toBeCloseTo((20 * 1000) / r.ms, 6);
    expect(r.cpuUsPerFrame).toBeGreaterThan(0);
    expect(r.cpuUsPerFrame).toBeCloseTo(r.userUsPerFrame + r.systemUsPerFrame, 6);
  });

  it('a link that ended before the last measured frame rejects the measure with why', async () => {
    const early = linkMeter({ warmup: 5, frames: 5 });
    early.options.onStats!(at(5));
    early.watch(Promise.resolve(at(7)));
    await expect(early.measured).rejects.toThrow(/ended before 10 frames were shown/);
    const failed = linkMeter({ warmup: 5, frames: 5 });
    const lost = new Error('camera unplugged');
    failed.watch(Promise.reject(lost));
    await expect(failed.measured).rejects.toBe(lost);
  });

  it('bad input: a typed error before anything runs', () => {
    expect(() => linkMeter({ warmup: 0, frames: 10 })).toThrow(InvalidArgumentError);
    expect(() => linkMeter({ warmup: 10, frames: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => linkMeter({ warmup: 30, frames: 100 })).toThrow(/a multiple of warmup \(30\)/);
    expect(() => linkMeter(null as never)).toThrow(InvalidArgumentError);
  });
});
