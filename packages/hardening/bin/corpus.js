#!/usr/bin/env node
// The generated bad-input corpus over one package entry, in this process (run it as a child:
// a crash is then the parent's finding). Prints progress on stderr and one result line on stdout:
//   node bin/corpus.js --entry @dmabuf/core [--runs 100] [--seed 1] [--timeout 100]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { closeFd, DmaBufError, InvalidArgumentError } from '@dmabuf/core';
import { declarationOf, runCorpus } from '../src/engine.js';
import { preloadSignatures } from '../src/signatures.js';
import { pending, specs } from '../src/specs/index.js';

export const RESULT = 'CORPUS-RESULT ';
const { values } = parseArgs({
  options: {
    entry: { type: 'string', multiple: true },
    spec: { type: 'string' },
    runs: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '25' },
  },
});
/** @type {import('../src/engine.js').Spec[]} */
const chosen = values.spec
  ? [(await import(pathToFileURL(resolve(values.spec)).href)).spec]
  : (values.entry ?? []).map((e) => {
      const s = specs[e] ?? pending[e];
      if (!s) {
        console.error(`unknown entry ${e}; known: ${Object.keys(specs).join(', ')}`);
        process.exit(2);
      }
      return s;
    });
preloadSignatures(await Promise.all(chosen.map((s) => declarationOf(s.entry))));
const isCode = (/** @type {unknown} */ c) => typeof c === 'string' && /^[A-Z][A-Z0-9_]+$/.test(c);
for (const spec of chosen) {
  const result = await runCorpus({
    // errors of the runner itself end the process with 1 (below)
    spec,
    runs: Number(values.runs),
    seed: Number(values.seed),
    timeoutMs: Number(values.timeout),
    judge: {
      isTyped: spec.isTyped ?? ((e) => e instanceof DmaBufError && isCode(e.code)),
      isInvalidArgument: spec.isInvalidArgument ?? ((e) => e instanceof InvalidArgumentError),
      closeFd,
    },
    progress: (t) => process.stderr.write(`CORPUS-AT ${t}\n`),
  }).catch((e) => {
    console.error('CORPUS-RUNNER-FAILED', e);
    process.exit(1);
  });
  await new Promise((res) => process.stdout.write(`${RESULT}${JSON.stringify(result)}\n`, res));
}
process.exit(0);
