import { afterAll, describe, expect, it } from 'vitest';
import { specs } from '../src/specs/index.js';
import { type CorpusResult, runCorpusChild, summarize } from './corpus-child.js';

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

describe('bad-input corpus (host)', () => {
  for (const entry of Object.keys(specs)) {
    it(`${entry}: every refusal typed, no crash`, () => {
      const r = runCorpusChild(entry, { runs: RUNS, seed: SEED });
      results.push(r);
      expect(r.crash, r.crash).toBeUndefined();
      expect(r.findings.map((f) => `${f.target}: ${f.category}: ${f.detail} (args: ${f.args})`)).toEqual([]);
    }, 300_000);
  }
});
