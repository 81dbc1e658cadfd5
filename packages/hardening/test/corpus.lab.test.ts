import { labSuite } from '@dmabuf/lab/suite';
import { afterAll, expect, it } from 'vitest';
import { type CorpusResult, runCorpusChildren, summarize } from './corpus-child.js';

// The corpus over the driver packages against the real drivers: here their device classes open
// (udmabuf, the system heap, vgem/virtio-gpu, vivid) and their methods are called with junk too.
// Fewer runs per target than on the host (TCG is ~15x slower).
const RUNS = Number(process.env.CORPUS_LAB_RUNS ?? 25);
const results: CorpusResult[] = [];
afterAll(() => {
  if (results.length) console.log(summarize(results, 'lab'));
});

labSuite('bad-input corpus on the real drivers', { needs: ['vgem', 'vivid', 'virtio-gpu'] }, () => {
  for (const entry of [
    '@dmabuf/exporter-udmabuf',
    '@dmabuf/exporter-heap',
    '@dmabuf/exporter-drm',
    '@dmabuf/importer-v4l2',
  ]) {
    it(`${entry}: every refusal typed, no crash`, () => {
      const [r] = runCorpusChildren([entry], { runs: RUNS, seed: 1, timeoutMs: 200 });
      if (!r) throw new Error('no result');
      results.push(r);
      expect(r.crash, r.crash).toBeUndefined();
      expect(r.findings.map((f) => `${f.target}: ${f.category}: ${f.detail} (args: ${f.args})`)).toEqual([]);
      console.log(`${entry}: not called here: ${JSON.stringify(r.skipped)}`);
    }, 900_000);
  }
});
