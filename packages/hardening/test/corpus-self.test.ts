import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCorpusChild } from './corpus-child.js';

const SPEC = fileURLToPath(new URL('./fixtures/broken-spec.js', import.meta.url));

describe('the corpus catches what it is for', () => {
  it('untyped errors, wrong types accepted, misnamed arguments, unhandled rejections, unclassified and stale exports', () => {
    const r = runCorpusChild('broken', { runs: 40, seed: 1, spec: SPEC });
    expect(r.crash).toBeUndefined();
    const found = new Set(r.findings.map((f) => `${f.target}: ${f.category}`));
    expect([...found].sort()).toEqual(
      [
        'gone: stale-classification',
        'lax: accepted-wrong-type',
        'misnamed: invalid-argument-name',
        'rejectsLater: unhandled-rejection',
        'unlisted: unclassified',
        'untyped: accepted-wrong-type',
        'untyped: untyped-error',
      ].sort(),
    );
    expect(r.targets.typed).toMatchObject({ findings: 0 });
  }, 120_000);

  it('a crash of the process under test is reported with the call it died in', () => {
    const r = runCorpusChild('broken', { runs: 40, seed: 1, spec: SPEC, env: { CORPUS_FIXTURE_CRASH: '1' } });
    expect(r.crash).toMatch(/killed by SIGSEGV at CORPUS-AT crash/);
  }, 120_000);
});
