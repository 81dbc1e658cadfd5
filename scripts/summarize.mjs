#!/usr/bin/env node
// Sums every vitest JSON report in a folder; the last line is "N passed, N failed".
// Exits 1 when a suite failed to run at all (a report with failed suites but no failed tests).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'reports';
let passed = 0;
let failed = 0;
let skipped = 0;
for (const f of (existsSync(dir) ? readdirSync(dir) : []).filter((n) => n.endsWith('.json')).sort()) {
  const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const p = r.numPassedTests ?? 0;
  const x = r.numFailedTests ?? 0;
  const s = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  const bad = (r.numFailedTestSuites ?? 0) > 0 && x === 0 ? r.numFailedTestSuites : 0;
  console.log(
    `  ${f}: ${p} passed, ${x} failed, ${s} skipped${bad ? `, ${bad} suite(s) failed to run` : ''}`,
  );
  passed += p;
  failed += x + bad;
  skipped += s;
}
if (process.argv[3] && process.argv[3] !== '0' && failed === 0) {
  console.log('  a test run failed outside any test (setup, boot or a crashed suite): counted as 1 failure');
  failed = 1;
}
console.log(`  ${skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
