// One buffer lifecycle on the memfd test exporter through the core
// (export → attach → map → unmap → detach → release) against the raw syscalls
// the same cycle costs, called straight through the core's native() functions
// (memfd_create, ftruncate, F_ADD_SEALS, close).
// Time is measured here (default V8 flags); allocations in a child process of
// this file ('alloc' mode) whose young generation is big enough that no GC
// runs inside a measured batch.
import { execFileSync } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Framework, plainDevice } from '@dmabuf/core';
import { memfdExporterPlugin, writeBenchResult } from '@dmabuf/core/testing';
import { native } from '../dist/native.js';

const SIZE = 65536;
const BATCH = 2000;
const BATCHES = 15;
const CHUNK = 100;
const alloc = process.argv[2] === 'alloc';

const plugin = memfdExporterPlugin();
const fw = await Framework.create({ plugins: [plugin] });
const device = plainDevice('bench-device');

function ours() {
  const buf = fw.export({ exporter: 'memfd-test', size: SIZE });
  const att = buf.attach(device);
  const mapping = att.map('to-device');
  mapping.unmap();
  att.detach();
  buf.put();
}

const n = native();
const flags = n.memfd.MFD_ALLOW_SEALING;
const seals = n.memfd.F_SEAL_SHRINK | n.memfd.F_SEAL_GROW;
function raw() {
  const fd = n.memfdCreate('dmabuf-test', flags);
  n.ftruncate(fd, SIZE);
  n.addSeals(fd, seals);
  n.close(fd);
}

let gcs = 0;
new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ['gc'] });

/** One batch: CPU µs and wall µs per cycle, heap bytes per cycle (NaN when a GC ran inside the batch). */
async function batch(fn) {
  plugin.exporter.calls.length = 0; // the test exporter logs every hook call; keep the log from growing
  if (alloc) {
    // only the allocation pass forces GCs: a forced full GC shrinks the young
    // generation and drops compiled code, which would slow the timed cycles
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 20)); // let the gc entries of gc() arrive before counting
  }
  const gcBefore = gcs;
  const heap0 = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < BATCH; i += CHUNK) {
    for (let k = 0; k < CHUNK; k++) fn();
    // a real program runs cycles across event-loop turns; V8 keeps every
    // WeakRef target alive until the turn ends, so a long synchronous loop
    // would measure an ever-growing heap instead of the cycle
    await new Promise((r) => setImmediate(r));
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const heap1 = process.memoryUsage().heapUsed;
  if (alloc) await new Promise((r) => setTimeout(r, 20));
  const clean = gcs === gcBefore;
  return {
    cpu: (cpu.user + cpu.system) / BATCH,
    wall: (wall * 1000) / BATCH,
    bytes: clean ? (heap1 - heap0) / BATCH : Number.NaN,
  };
}

const median = (xs) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : Number.NaN;
};

// warm up both paths (JIT), then alternate batches so drift hits both alike
for (let i = 0; i < 3; i++) {
  await batch(ours);
  await batch(raw);
}
const o = [];
const r = [];
for (let i = 0; i < BATCHES; i++) {
  o.push(await batch(ours));
  r.push(await batch(raw));
}
await fw.close();

if (alloc) {
  const clean = (xs) => xs.filter((x) => !Number.isNaN(x.bytes)).length;
  console.log(
    JSON.stringify({
      ours: median(o.map((x) => x.bytes)),
      raw: median(r.map((x) => x.bytes)),
      clean: `${clean(o)}/${BATCHES} ours, ${clean(r)}/${BATCHES} baseline`,
    }),
  );
} else {
  const self = fileURLToPath(import.meta.url);
  const heap = JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', '--max-semi-space-size=128', self, 'alloc'], {
      encoding: 'utf8',
    }),
  );
  const oursCpu = median(o.map((x) => x.cpu));
  const rawCpu = median(r.map((x) => x.cpu));
  writeBenchResult({
    name: 'core-lifecycle',
    ours: oursCpu,
    baseline: rawCpu,
    unit: 'µs CPU per cycle',
    target: '<= 3',
    baselineName: 'raw memfd_create+ftruncate+F_ADD_SEALS+close via native()',
    extra: {
      method: `median of ${BATCHES} alternating batches of ${BATCH} cycles (yielding to the event loop every ${CHUNK}, as cycles in a program spread over turns) after warm-up; time = process CPU time (user+sys) per cycle, robust to other load on the machine, wall time alongside. Allocation, measured in a separate process with --max-semi-space-size=128: V8 heapUsed growth per cycle over a batch in which no GC ran (batches with a GC discarded), i.e. every byte allocated on the JS heap per cycle, including the test exporter's hook log (6 small records per cycle); native memory is not counted`,
      oursWallUsPerCycle: Number(median(o.map((x) => x.wall)).toFixed(2)),
      baselineWallUsPerCycle: Number(median(r.map((x) => x.wall)).toFixed(2)),
      oursHeapBytesPerCycle: Math.round(heap.ours),
      baselineHeapBytesPerCycle: Math.round(heap.raw),
      cleanAllocationBatches: heap.clean,
    },
  });
}
