// Runs every bench/*.bench.js of @dmabuf/core in its own node process, one
// after the other. Results: bench/results/<name>.json at the repository root
// (writeBenchResult from the built @dmabuf/core/testing), one line each here.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
let failed = 0;
for (const file of readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .sort()) {
  if (only.length && !only.some((o) => file.includes(o))) continue;
  console.log(`# ${file}`);
  const r = spawnSync(process.execPath, [join(here, file)], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${file} failed (${r.signal ?? `exit ${r.status}`})`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
