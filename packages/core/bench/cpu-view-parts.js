// Where a buf.cpuAccess() scope's view goes, part by part (issue 14, CPU
// writes): what cpuAccess + bytes.set(frame) pays per frame that
// mapping.access + bytes.set(frame) and cpuAccess + write(frame) do not.
// A diagnostic, not a benchmark with a baseline (bench/cpu-write.bench.js
// has the ratios to C): run `node bench/cpu-view-parts.js` from
// packages/core after a build; it prints a table and one JSON line.
//
// The view is an ArrayBuffer over the buffer's kept mapping, made per scope
// and detached at end() (so a view kept past the scope throws instead of
// touching the buffer). Node-API makes it with napi_create_external_arraybuffer,
// which Node 20 implements through napi_create_external_buffer →
// node::Buffer::New (a Buffer object, a CallbackInfo with a cleanup hook and
// a weak handle, an "untransferable" mark); when the view is detached V8
// frees its backing store at once, and the store's deleter queues the
// finalizer with SetImmediateThreadsafe: a mutex and uv_async_send, i.e. a
// write to the loop's eventfd, then the loop's next turn reads it and runs
// the finalizer. This script measures each of those parts:
//   hot:   each kind of scope in a tight loop (CPU µs per scope, the
//          views' deferred finalizers included);
//   turn:  CPU µs and read/write syscalls per event-loop turn with one view
//          made and detached in it, against an empty turn;
//   cold:  a frame loop's scopes part by part (open, bytes, the copy, end),
//          wall µs, median: each part runs right after an 8 MB copy has
//          flushed the caches, where a scope costs several times its hot
//          cost;
//   loop:  frames written each way, one frame per event-loop turn (as an
//          application writes them) and 40 per turn (as cpu-write.bench.js
//          does): CPU µs per frame and ratio to mapping.access in the same
//          rounds, and GCs per 1000 frames; accessPlusNapiView is
//          mapping.access with a bare N-API view made and detached around
//          the copy but not used (compare it with cpuAccessSet: the view
//          alone, without the copy through it or cpuAccess' JavaScript).
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { Framework } from '@dmabuf/core';
import { memfdExporterPlugin } from '@dmabuf/core/testing';
import { native } from '../dist/native.js';

const FRAME = 1920 * 1080 * 4;
const ROUNDS = Number(process.env.CPU_VIEW_ROUNDS ?? 15);
const n = native();
const plugin = memfdExporterPlugin();
const fw = await Framework.create({ plugins: [plugin] });
const buf = fw.export({ size: FRAME });
const mapping = buf.mmap({ populate: true });
const ab = mapping.arrayBuffer;
// a page-aligned source, as cpu-write.bench.js gives both sides (see alignedSource there)
const src = new Uint8Array(new ArrayBuffer(FRAME + 4096), 4096, FRAME).fill(7);
const kept = new Uint8Array(ab);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = () => Number(process.hrtime.bigint());
const cpuNs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};
const tick = () => new Promise((r) => setImmediate(r));
/** read and write system calls of this process so far (/proc/self/io syscr, syscw). */
const syscalls = () => {
  const io = Object.fromEntries(
    readFileSync('/proc/self/io', 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(': ')),
  );
  return { r: Number(io.syscr), w: Number(io.syscw) };
};
let gcs = 0;
new PerformanceObserver((l) => {
  gcs += l.getEntries().length;
}).observe({ entryTypes: ['gc'] });
const clearLog = () => {
  plugin.exporter.calls.length = 0; // the test exporter logs every hook call
};
const us = (ns) => Number((ns / 1000).toFixed(2));

// the kinds of scope, without a copy: each opens, touches one byte, ends
const scopes = {
  accessBytes: () => {
    const a = mapping.access('write');
    a.bytes[0] = 1;
    a.end();
  },
  cpuAccessNoView: () => {
    const a = buf.cpuAccess('write');
    a.end();
  },
  cpuAccessBytes: () => {
    const a = buf.cpuAccess('write');
    a.bytes[0] = 1;
    a.end();
  },
  napiViewOnly: () => n.mmapDetachView(n.mmapView(ab)),
};

// hot: 2000 scopes in a row, then one turn for their finalizers; CPU per scope
const hot = Object.fromEntries(Object.keys(scopes).map((k) => [k, []]));
for (let r = 0; r < 7; r++) {
  for (const [k, f] of Object.entries(scopes)) {
    await tick();
    const t0 = cpuNs();
    for (let i = 0; i < 2000; i++) f();
    await tick();
    hot[k].push((cpuNs() - t0) / 2000);
    clearLog();
  }
}

// turn: per event-loop turn, nothing vs one view made and detached
const turn = { empty: [], view: [], emptySys: [], viewSys: [] };
for (let r = 0; r < 7; r++) {
  for (const k of r % 2 ? ['view', 'empty'] : ['empty', 'view']) {
    const s0 = syscalls();
    const t0 = cpuNs();
    for (let i = 0; i < 500; i++) {
      if (k === 'view') n.mmapDetachView(n.mmapView(ab));
      await tick();
    }
    const s1 = syscalls();
    turn[k].push((cpuNs() - t0) / 500);
    turn[`${k}Sys`].push((s1.r - s0.r + s1.w - s0.w) / 500);
  }
}

// cold: a frame loop's scopes, each part timed (wall): open, bytes (the view made),
// the copy, end (the view detached); 40 frames of each kind in turn. The napi
// view alone: made right after a copy, detached right after the next.
const partNames = ['open', 'bytes', 'copy', 'end'];
const cold = {};
const coldKinds = {
  access: () => mapping.access('write'),
  cpuAccess: () => buf.cpuAccess('write'),
  cpuAccessWrite: () => buf.cpuAccess('write'),
};
for (const k of [...Object.keys(coldKinds), 'napiView']) cold[k] = { open: [], bytes: [], copy: [], end: [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const k of Object.keys(cold)) {
    for (let i = 0; i < 40; i++) {
      src[i] = i;
      if (k === 'napiView') {
        kept.set(src);
        const t0 = now();
        const v = n.mmapView(ab);
        const t1 = now();
        kept.set(src);
        const t2 = now();
        n.mmapDetachView(v);
        cold[k].bytes.push(t1 - t0); // made
        cold[k].end.push(now() - t2); // detached
        continue;
      }
      const t0 = now();
      const a = coldKinds[k]();
      const t1 = now();
      const b = k === 'cpuAccessWrite' ? undefined : a.bytes;
      const t2 = now();
      if (b) b.set(src);
      else a.write(src);
      const t3 = now();
      a.end();
      const t4 = now();
      cold[k].open.push(t1 - t0);
      cold[k].bytes.push(t2 - t1);
      cold[k].copy.push(t3 - t2);
      cold[k].end.push(t4 - t3);
    }
    clearLog();
    await tick();
  }
}

// loop: frames, CPU per frame, one per turn or 40 per turn, rounds interleaved
const frameKinds = {
  access: () => {
    const a = mapping.access('write');
    a.bytes.set(src);
    a.end();
  },
  cpuAccessSet: () => {
    const a = buf.cpuAccess('write');
    a.bytes.set(src);
    a.end();
  },
  cpuAccessWrite: () => {
    const a = buf.cpuAccess('write');
    a.write(src);
    a.end();
  },
  // mapping.access plus a bare N-API view made before the copy and detached after it, unused:
  // the view's cost without cpuAccess' JavaScript around it
  accessPlusNapiView: () => {
    const a = mapping.access('write');
    const v = n.mmapView(ab);
    a.bytes.set(src);
    n.mmapDetachView(v);
    a.end();
  },
};
const loop = {};
for (const per of [1, 40]) for (const k of Object.keys(frameKinds)) loop[`${k}/${per}`] = { us: [], gc: [] };
for (let r = -1; r < ROUNDS; r++) {
  for (const per of [1, 40]) {
    const kinds = Object.keys(frameKinds);
    for (let j = 0; j < kinds.length; j++) {
      const k = kinds[(j + r + 1) % kinds.length];
      const f = frameKinds[k];
      f();
      f();
      await tick();
      const g0 = gcs;
      const t0 = cpuNs();
      for (let i = 0; i < 40; i++) {
        src[i] = i;
        f();
        if ((i + 1) % per === 0) await tick();
      }
      const t = (cpuNs() - t0) / 40;
      clearLog();
      if (r < 0) continue;
      loop[`${k}/${per}`].us.push(t);
      loop[`${k}/${per}`].gc.push(((gcs - g0) * 1000) / 40);
    }
  }
}

mapping.unmap();
buf.put();
await fw.close();

const out = {
  load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  hotCpuUsPerScope: Object.fromEntries(Object.entries(hot).map(([k, v]) => [k, us(median(v))])),
  turnCpuUs: { empty: us(median(turn.empty)), oneView: us(median(turn.view)) },
  turnReadWriteSyscalls: { empty: median(turn.emptySys), oneView: median(turn.viewSys) },
  coldWallUs: Object.fromEntries(
    Object.entries(cold).map(([k, p]) => [
      k,
      Object.fromEntries(partNames.filter((x) => p[x].length).map((x) => [x, us(median(p[x]))])),
    ]),
  ),
  loopCpuUsPerFrame: {},
  loopRatioToAccess: {},
  loopGcsPer1000Frames: {},
};
for (const [k, v] of Object.entries(loop)) {
  const per = k.split('/')[1];
  const base = loop[`access/${per}`].us;
  out.loopCpuUsPerFrame[k] = us(median(v.us));
  out.loopRatioToAccess[k] = Number(median(v.us.map((x, i) => base[i] / x)).toFixed(3));
  out.loopGcsPer1000Frames[k] = median(v.gc);
}
for (const [k, v] of Object.entries(out))
  console.log(k.padEnd(22), typeof v === 'string' ? v : JSON.stringify(v));
console.log(JSON.stringify(out));
