// The soak's sampler: runs one operation N times, sampling open fds, /proc/self/maps lines, V8 heap
// and RSS, and gives the least-squares slope per 1,000 cycles after a 20% warm-up.
import { readFileSync } from 'node:fs';
import { openFdCount } from '@dmabuf/core';

/**
 * @typedef {{ i: number, fds: number, maps: number, heap: number, rss: number }} Sample
 * @typedef {{ phase: string, cycles: number, seconds: number, perSecond: number,
 *   perThousand: { fds: number, maps: number, heapKb: number, rssKb: number },
 *   first: Sample | undefined, last: Sample | undefined }} SoakResult
 */

const mapsLines = () => readFileSync('/proc/self/maps', 'utf8').split('\n').length - 1;
const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
/** Anonymous memory (KiB): RSS less the files mapped (node's own text, libraries). */
const anonKb = () =>
  Number(/Anonymous:\s+(\d+)/.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))?.[1] ?? 0);

/**
 * Least-squares slope of y over x, per 1,000 x.
 * @param {number[]} xs @param {number[]} ys
 */
export function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? mx) - mx;
    num += dx * ((ys[i] ?? my) - my);
    den += dx ** 2;
  }
  return den ? (num / den) * 1000 : 0;
}

const round = (/** @type {number} */ v, /** @type {number} */ digits) =>
  Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * The slopes of a run's samples after the first 20 % (the warm-up).
 * @param {Sample[]} rows
 */
export function slopes(rows) {
  const kept = rows.slice(Math.floor(rows.length * 0.2));
  const xs = kept.map((r) => r.i);
  const of = (/** @type {(r: Sample) => number} */ f) => slope(xs, kept.map(f));
  return {
    fds: round(
      of((r) => r.fds),
      3,
    ),
    maps: round(
      of((r) => r.maps),
      3,
    ),
    heapKb: round(
      of((r) => r.heap),
      1,
    ),
    rssKb: round(
      of((r) => r.rss),
      1,
    ),
  };
}

/**
 * A soak runner: `soak(name, cycle)` runs `cycle(i)` `cycles` times, sampling `samples` times
 * (after a gc when --expose-gc), turning the event loop every `yieldEvery` cycles (0: never), and
 * prints `SOAK {json}`. With `rows`, every sample is printed too (`SOAK-ROW {json}`), with the
 * anonymous memory and V8's external and ArrayBuffer bytes: where an RSS slope comes from.
 * @param {{ cycles: number, samples: number, yieldEvery: number, rows?: boolean,
 *   log?: (line: string) => void }} o
 */
export function soaker({ cycles, samples, yieldEvery, rows: printRows = false, log = console.log }) {
  /** @param {string} name @param {(i: number) => unknown} cycle @returns {Promise<SoakResult>} */
  return async function soak(name, cycle) {
    const every = Math.max(1, Math.floor(cycles / samples));
    /** @type {Sample[]} */
    const rows = [];
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < cycles; i++) {
      await cycle(i);
      if (yieldEvery && i % yieldEvery === 0) await new Promise((r) => setImmediate(r));
      if (i % every === 0 || i === cycles - 1) {
        globalThis.gc?.();
        rows.push({
          i,
          fds: openFdCount(),
          maps: mapsLines(),
          heap: process.memoryUsage().heapUsed / 1024,
          rss: rssKb(),
        });
        if (printRows) {
          const m = process.memoryUsage();
          log(
            `SOAK-ROW ${JSON.stringify({
              ...rows.at(-1),
              heap: round(m.heapUsed / 1024, 1),
              heapTotal: round(m.heapTotal / 1024, 1),
              externalKb: round(m.external / 1024, 1),
              arrayBuffersKb: round(m.arrayBuffers / 1024, 1),
              anon: anonKb(),
            })}`,
          );
        }
      }
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    /** @type {SoakResult} */
    const out = {
      phase: name,
      cycles,
      seconds: round(secs, 1),
      perSecond: round(cycles / secs, 1),
      perThousand: slopes(rows),
      first: rows[0],
      last: rows.at(-1),
    };
    log(`SOAK ${JSON.stringify(out)}`);
    return out;
  };
}
