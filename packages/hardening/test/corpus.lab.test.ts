import { labSuite } from '@dmabuf/lab/suite';
import { afterAll, expect, it } from 'vitest';
import { type CorpusResult, pluginCalls, runCorpusChildren, summarize } from './corpus-child.js';

// The corpus over the driver packages against the real drivers: here their device classes open
// (udmabuf, the system heap, vgem/virtio-gpu, vivid) and their methods are called with junk too.
// Fewer runs per target than on the host (TCG is ~15x slower).
// What it asserts here: no crash (signal, abort, exit) with the devices open, no finding, and that
// the plugins' hooks (UdmabufExporter, HeapExporter, DrmDumbExporter and DrmImporter on vgem,
// V4l2Exporter) were each called RUNS times on instances of their own whose devices open here (a
// spec that stops reaching them fails). The first lab run (25 runs per target) found 271 findings
// in the device methods only callable here, all fixed since.
const RUNS = Number(process.env.CORPUS_LAB_RUNS ?? 10);
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
    '@dmabuf/cli',
  ]) {
    it(`${entry}: no crash with the devices open (findings printed)`, () => {
      const [r] = runCorpusChildren([entry], { runs: RUNS, seed: 1, timeoutMs: 200 });
      if (!r) throw new Error('no result');
      results.push(r);
      expect(r.crash, r.crash).toBeUndefined();
      // the plugins' hooks called directly, on instances whose devices open here
      const { calls, want } = pluginCalls(r, RUNS, true);
      if (Object.keys(calls).length) console.log(`${entry}: plugin methods called: ${JSON.stringify(calls)}`);
      for (const f of r.findings) console.log(`finding ${entry} ${f.target}: ${f.category}: ${f.detail}`);
      console.log(`${entry}: not called here: ${JSON.stringify(r.skipped)}`);
      expect(calls).toEqual(want);
      expect(
        r.findings.map((f) => `${entry} ${f.target}: ${f.category}: ${f.detail} (args: ${f.args})`),
      ).toEqual([]);
    }, 900_000);
  }
});
