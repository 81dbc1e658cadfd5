import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

// Runs in a child node with --expose-gc against the built package.
const script = `
const core = await import(${JSON.stringify(join(dist, 'index.js'))});
const testing = await import(${JSON.stringify(join(dist, 'testing', 'index.js'))});
process.stderr; // opened lazily by node; open it before counting fds
const reports = [];
const warnings = [];
process.on('warning', (w) => warnings.push(w.code));
const before = core.openFdCount();
const fw = await core.Framework.create({ plugins: [testing.memfdExporterPlugin()], onLeak: (r) => reports.push(r) });
(() => { for (let i = 0; i < 5; i++) fw.export({ size: 4096 }); })();
const kept = fw.export({ size: 4096 });
const during = core.openFdCount();
for (let i = 0; i < 10 && reports.length < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
const after = core.openFdCount();
kept.put();
const fw2 = await core.Framework.create({ plugins: [testing.memfdExporterPlugin()] });
(() => { fw2.export({ size: 4096 }); })();
for (let i = 0; i < 10 && warnings.length < 1; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
console.log(JSON.stringify({ before, during, after, end: core.openFdCount(), reports, warnings }));
`;

/** Run a script in a node with --expose-gc; its last stdout line, parsed. */
function runWithGc(script: string) {
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('leak safety net', () => {
  it('closes and reports, once each, buffers garbage-collected while holding fds', () => {
    const r = runWithGc(script);
    expect(r.during - r.before).toBe(6);
    expect(r.reports).toHaveLength(5);
    expect(new Set(r.reports.map((x: { bufferId: number }) => x.bufferId)).size).toBe(5);
    expect(r.reports[0]).toMatchObject({ exporter: 'memfd-test', size: 4096 });
    expect(r.after - r.before).toBe(1);
    expect(r.end).toBe(r.before);
    expect(r.warnings).toEqual(['DMABUF_LEAK']);
  });
});

// Released buffers must not be kept alive by the framework, even inside one
// long job (a loop with `await` in it never returns to the event loop, and a
// WeakRef made in it would keep its target until the loop ends).
const releasedScript = `
const core = await import(${JSON.stringify(join(dist, 'index.js'))});
const testing = await import(${JSON.stringify(join(dist, 'testing', 'index.js'))});
const fw = await core.Framework.create({ plugins: [testing.memfdExporterPlugin()] });
const device = core.plainDevice('d');
let collected = 0;
const seen = new FinalizationRegistry(() => collected++);
const before = core.openFdCount();
for (let i = 0; i < 100; i++) {
  const buf = fw.export({ size: 4096 });
  seen.register(buf, i);
  const att = buf.attach(device);
  att.map().unmap();
  att.detach();
  buf.put();
  if (i % 10 === 9) await null;
}
globalThis.gc(); // still inside the job of the loop
const after = core.openFdCount();
await new Promise((r) => setTimeout(r, 20));
console.log(JSON.stringify({ collected, fds: after - before, buffers: fw.buffers().length }));
`;

describe('released buffers', () => {
  it('are not kept alive by the framework, even within one job', () => {
    const r = runWithGc(releasedScript);
    // (the last one or two may still be referenced from the loop's frame)
    expect(r.collected).toBeGreaterThanOrEqual(90);
    expect(r.fds).toBe(0);
    expect(r.buffers).toBe(0);
  });
});

// A buffer allocated after the turn it was made in (late allocation) is
// watched from its allocation on.
const lateScript = `
const core = await import(${JSON.stringify(join(dist, 'index.js'))});
const testing = await import(${JSON.stringify(join(dist, 'testing', 'index.js'))});
const reports = [];
const fw = await core.Framework.create({ plugins: [testing.memfdExporterPlugin()], onLeak: (r) => reports.push(r) });
const before = core.openFdCount();
let late = [fw.export({ size: 8192, lazy: true })];
await new Promise((r) => setTimeout(r, 20));
late[0].allocate();
const during = core.openFdCount();
late = undefined;
for (let i = 0; i < 10 && reports.length < 1; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
console.log(JSON.stringify({ reports, allocated: during - before, after: core.openFdCount() - before }));
`;

describe('late-allocated buffers', () => {
  it('are watched from their allocation on', () => {
    const r = runWithGc(lateScript);
    expect(r.allocated).toBe(1);
    expect(r.reports).toHaveLength(1);
    expect(r.reports[0]).toMatchObject({ exporter: 'memfd-test', size: 8192 });
    expect(r.after).toBe(0);
  });
});
