import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { assertString } from '../validate.js';

/** One benchmark's outcome, compared against a baseline measured in the same run. */
export interface BenchResult {
  /** The benchmark's id ('core-fdpass-rtt'): also the result file's name, bench/results/<name>.json. */
  name: string;
  /** Our figure, in `unit`. */
  ours: number;
  /** The baseline's figure (C program, GStreamer, plain memcpy...), same unit, same run. */
  baseline: number;
  /** The unit of `ours` and `baseline` ('µs', 'MB/s', 'frames/s'). */
  unit: string;
  /** ours / baseline. */
  ratio: number;
  /** The target the issue sets, e.g. '>= 0.75' or '<= 1.5'. */
  target: string;
  /** What the baseline was. */
  baselineName?: string;
  /** Extra figures (µs per cycle, allocations, ...). */
  extra?: Record<string, number | string>;
  /** When it was measured: an ISO 8601 timestamp (new Date().toISOString()). */
  when: string;
}

/** The repository root: the nearest folder up from `from` with a pnpm-workspace.yaml. */
export function repoRoot(from = process.cwd()): string {
  assertString('from', from);
  let dir = resolve(from);
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) return resolve(from);
    dir = up;
  }
  return dir;
}

function meets(ratio: number, target: string): boolean {
  const m = /^(>=|<=)\s*([\d.]+)$/.exec(target.trim());
  if (!m) return true;
  return m[1] === '>=' ? ratio >= Number(m[2]) : ratio <= Number(m[2]);
}

/**
 * Write bench/results/<name>.json at the repo root (or $DMABUF_BENCH_OUT) and
 * print one line. Benchmarks report; they never fail a test.
 */
export function writeBenchResult(r: Omit<BenchResult, 'ratio' | 'when'> & { ratio?: number }): BenchResult {
  const result: BenchResult = { ...r, ratio: r.ratio ?? r.ours / r.baseline, when: new Date().toISOString() };
  const dir = process.env.DMABUF_BENCH_OUT ?? join(repoRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${r.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const verdict = meets(result.ratio, result.target) ? 'meets' : 'MISSES';
  console.log(
    `bench ${result.name}: ours ${fmt(result.ours)} ${result.unit}, ${result.baselineName ?? 'baseline'} ${fmt(result.baseline)} ${result.unit}, ratio ${result.ratio.toFixed(3)} (target ${result.target}: ${verdict})`,
  );
  return result;
}

function fmt(n: number): string {
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toPrecision(4);
}
