import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CorpusResult {
  entry: string;
  exports: number;
  totals: { calls: number; accepted: number; refused: number; pending: number; findings: number };
  targets: Record<string, unknown>;
  findings: { target: string; category: string; detail: string; args: string }[];
  skipped: Record<string, string>;
  seed: number;
  /** How the child died, when it did not print its result. */
  crash?: string;
}

const BIN = fileURLToPath(new URL('../bin/corpus.js', import.meta.url));

/** Run the corpus over one entry in a child node (its cwd a fresh temp folder). */
export function runCorpusChild(
  entry: string,
  o: { runs: number; seed: number; timeoutMs?: number; spec?: string; env?: NodeJS.ProcessEnv },
): CorpusResult {
  return runCorpusChildren([entry], o)[0] as CorpusResult;
}

/**
 * Run the corpus over several entries (of one package: TypeScript parses their declarations once)
 * in one child node; a crash fails the entry it happened in and those after it.
 */
export function runCorpusChildren(
  entries: string[],
  o: { runs: number; seed: number; timeoutMs?: number; spec?: string; env?: NodeJS.ProcessEnv },
): CorpusResult[] {
  const cwd = mkdtempSync(join(tmpdir(), 'corpus-'));
  try {
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        ...(o.spec ? ['--spec', o.spec] : entries.flatMap((e) => ['--entry', e])),
        '--runs',
        String(o.runs),
        '--seed',
        String(o.seed),
        '--timeout',
        String(o.timeoutMs ?? 25),
      ],
      { cwd, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 600_000, env: { ...process.env, ...o.env } },
    );
    const done = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('CORPUS-RESULT '))
      .map((l) => JSON.parse(l.slice('CORPUS-RESULT '.length)) as CorpusResult);
    const last = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('CORPUS-AT '))
      .pop();
    if (done.length === entries.length && r.status === 0) return done;
    return entries.map(
      (entry, i) =>
        done[i] ?? {
          entry,
          exports: 0,
          totals: { calls: 0, accepted: 0, refused: 0, pending: 0, findings: 1 },
          targets: {},
          findings: [],
          skipped: {},
          seed: o.seed,
          crash: `child ${r.signal ? `killed by ${r.signal}` : `exited ${r.status}`} at ${last ?? '(start)'}: ${r.stderr.slice(-2000)}`,
        },
    );
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** The lines CI prints: inputs tried and outcomes per entry, and the totals. */
export function summarize(results: CorpusResult[], where: string): string {
  const rows = results.map(
    (r) =>
      `  ${r.entry.padEnd(26)} ${String(r.exports).padStart(4)} exports ${String(Object.keys(r.targets).length).padStart(4)} targets ${String(r.totals.calls).padStart(6)} inputs: ${r.totals.accepted} accepted, ${r.totals.refused} refused typed, ${r.totals.pending} pending, ${r.totals.findings} findings${r.crash ? ' CRASH' : ''}`,
  );
  const t = results.reduce(
    (a, r) => ({
      calls: a.calls + r.totals.calls,
      accepted: a.accepted + r.totals.accepted,
      refused: a.refused + r.totals.refused,
      pending: a.pending + r.totals.pending,
      findings: a.findings + r.totals.findings,
      skipped: a.skipped + Object.keys(r.skipped).length,
    }),
    { calls: 0, accepted: 0, refused: 0, pending: 0, findings: 0, skipped: 0 },
  );
  return [
    `corpus (${where}, seed ${results[0]?.seed}): ${t.calls} inputs tried: ${t.accepted} accepted, ${t.refused} refused with a typed error, ${t.pending} still pending when moved on, ${t.findings} findings; ${t.skipped} targets not called (reasons in the spec)`,
    ...rows,
  ].join('\n');
}

/**
 * The plugin classes whose hooks the corpus calls on instances of their own, by entry: each method
 * listed must be called RUNS times (a spec that stops reaching them fails). Their protected
 * helpers (table, checkAttach, checkOwned, allocation) are the library's and are not called.
 */
export const PLUGIN_METHODS: Record<string, Record<string, string[]>> = {
  '@dmabuf/exporter-udmabuf': {
    UdmabufExporter: [
      'allocate',
      'adopt',
      'beginCpuAccess',
      'endCpuAccess',
      'close',
      'attach',
      'detach',
      'map',
      'unmap',
    ],
  },
  '@dmabuf/exporter-heap': {
    HeapExporter: [
      'heaps',
      'matches',
      'device',
      'allocate',
      'adopt',
      'close',
      'attach',
      'detach',
      'map',
      'unmap',
    ],
  },
  '@dmabuf/exporter-drm': {
    DrmDumbExporter: ['allocate', 'adopt', 'attach', 'detach', 'map', 'unmap'],
    DrmImporter: ['onAttach', 'onMap', 'onDetach'],
  },
  '@dmabuf/importer-v4l2': {
    V4l2Exporter: ['allocate', 'adopt', 'attach', 'detach', 'map', 'unmap'],
  },
};

/** Plugin classes that need a device to be made (a DRM node): their methods are called in the lab only. */
export const LAB_ONLY_PLUGINS = new Set(['DrmDumbExporter', 'DrmImporter']);

/**
 * Calls made per method of every plugin class of `r`'s entry (0 for a method never reached), and
 * what they should be: `runs` each (lab-only classes left out unless `lab`).
 */
export function pluginCalls(
  r: CorpusResult,
  runs: number,
  lab: boolean,
): { calls: Record<string, number>; want: Record<string, number> } {
  const calls: Record<string, number> = {};
  const want: Record<string, number> = {};
  for (const [cls, methods] of Object.entries(PLUGIN_METHODS[r.entry] ?? {})) {
    if (!lab && LAB_ONLY_PLUGINS.has(cls)) continue;
    for (const [m, n] of Object.entries(methodCalls(r, cls, methods))) {
      calls[`${cls}#${m}`] = n;
      want[`${cls}#${m}`] = runs;
    }
  }
  return { calls, want };
}

/** Calls made per method of `cls` (0 for a method the corpus never reached). */
export function methodCalls(r: CorpusResult, cls: string, methods: string[]): Record<string, number> {
  const t = r.targets as Record<string, { calls: number } | undefined>;
  return Object.fromEntries(methods.map((m) => [m, t[`${cls}#${m}`]?.calls ?? 0]));
}
