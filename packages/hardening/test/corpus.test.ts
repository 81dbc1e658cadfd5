import { afterAll, describe, expect, it } from 'vitest';
import { specs } from '../src/specs/index.js';
import { type CorpusResult, pluginCalls, runCorpusChildren, summarize } from './corpus-child.js';

// The generated bad-input corpus (issue 15): every export of every published entry, called with
// fast-check's junk, in a child process per entry (a SIGSEGV/SIGBUS/abort is a failed test, not a
// dead runner). Every refusal must be a typed DmaBufError with a code; wrong types an
// InvalidArgumentError naming the argument; no unhandled rejection; nothing unclassified.
const RUNS = Number(process.env.CORPUS_RUNS ?? 100);
const SEED = Number(process.env.CORPUS_SEED ?? 1);
const results: CorpusResult[] = [];

afterAll(() => {
  if (results.length) console.log(summarize(results, 'host'));
});

/** Entries by package: one child per package. */
const byPackage = new Map<string, string[]>();
for (const entry of Object.keys(specs)) {
  const pkg = entry.split('/').slice(0, 2).join('/');
  byPackage.set(pkg, [...(byPackage.get(pkg) ?? []), entry]);
}

describe('bad-input corpus (host)', () => {
  for (const [pkg, entries] of byPackage) {
    it(`${pkg} (${entries.length} entries): every refusal typed, no crash`, () => {
      for (const r of runCorpusChildren(entries, { runs: RUNS, seed: SEED })) {
        results.push(r);
        expect(r.crash, r.crash).toBeUndefined();
        expect(
          r.findings.map((f) => `${r.entry} ${f.target}: ${f.category}: ${f.detail} (args: ${f.args})`),
        ).toEqual([]);
        // the plugins' hooks, called directly on instances of their own (those that need no device)
        const { calls, want } = pluginCalls(r, RUNS, false);
        expect(calls).toEqual(want);
      }
    }, 600_000);
  }
});
