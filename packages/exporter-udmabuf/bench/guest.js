// Runs inside the lab (bench/run.js starts it, same boot for ours and the
// baselines). Prints one `RESULT {json}` line.
//  1. export -> attach -> map -> unmap -> detach -> release through the
//     framework vs bench/c/cycle.c doing the same syscalls.
//  2. writing a 1080p RGBA frame into a mapped udmabuf inside a CPU-access
//     scope (SYNC START/END around the copy) vs a plain memcpy (bench/c/memcpy.c):
//     on a mapping kept by the caller (map.access), and with buf.cpuAccess()
//     per frame (the buffer's own kept mapping), with page faults per frame.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { closeFd, Framework, fdIdentity, plainDevice } from '@dmabuf/core';
import { UdmabufDevice, udmabufPlugin } from '../dist/index.js';

const cdir = process.argv[2];
const ROUNDS = Number(process.env.UDMABUF_BENCH_ROUNDS ?? 9);
const CYCLES = Number(process.env.UDMABUF_BENCH_CYCLES ?? 300);
const WARMUP = Number(process.env.UDMABUF_BENCH_WARMUP ?? 4000);
const FRAMES = Number(process.env.UDMABUF_BENCH_FRAMES ?? 40);
const FRAME = 1920 * 1080 * 4;

/** Minor page faults of this process so far (/proc/self/stat, field 10). */
function minorFaults() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Median of the per-round ratios: each round runs ours and the baseline back to back, so load from elsewhere hits both. */
const pairedRatio = (a, b) => median(a.map((x, i) => x / b[i]));
const c = (prog, ...args) =>
  Number(execFileSync(`${cdir}/${prog}`, args.map(String), { encoding: 'utf8' }).trim());

const fw = await Framework.create({ plugins: [udmabufPlugin()] });
const device = plainDevice('bench-device');

// ns per cycle; the loop yields every 50 cycles like an application would
// between frames (WeakRef targets are kept until the job ends).
async function oursCycle(size, n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const buf = fw.export({ exporter: 'udmabuf', size });
    const att = buf.attach(device);
    const m = att.map('bidirectional');
    m.unmap();
    att.detach();
    buf.put();
    if (i % 50 === 49) await null;
  }
  return Number(process.hrtime.bigint() - t0) / n;
}

// The same syscalls from JS without the framework: what the N-API calls alone cost.
const raw = new UdmabufDevice();
function rawCycle(size, n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const fd = raw.createOwn('dmabuf-udmabuf', size, size, false);
    fdIdentity(fd);
    closeFd(fd);
  }
  return Number(process.hrtime.bigint() - t0) / n;
}

async function cycle(size) {
  await oursCycle(size, WARMUP);
  rawCycle(size, WARMUP / 4);
  c('cycle', size, 50);
  const ours = [];
  const base = [];
  const js = [];
  for (let r = 0; r < ROUNDS; r++) {
    ours.push(await oursCycle(size, CYCLES));
    base.push(c('cycle', size, CYCLES));
    js.push(rawCycle(size, CYCLES));
  }
  const us = (xs) => xs.map((x) => x / 1000);
  return {
    ours: median(ours) / 1000,
    baseline: median(base) / 1000,
    ratio: pairedRatio(ours, base),
    rawJs: median(js) / 1000,
    oursRounds: us(ours),
    baselineRounds: us(base),
  };
}

function frames(hugetlb) {
  const src = new Uint8Array(FRAME);
  for (let i = 0; i < FRAME; i++) src[i] = (i * 31) & 0xff;
  const buf = fw.export({
    exporter: 'udmabuf',
    width: 1920,
    height: 1080,
    format: 'AB24',
    options: { hugetlb },
  });
  const map = buf.mmap();
  const write = (n) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      src[i] = i & 0xff;
      const a = map.access('write');
      a.bytes.set(src);
      a.end();
    }
    return (FRAME * n) / (Number(process.hrtime.bigint() - t0) / 1e9) / 1e6;
  };
  // buf.cpuAccess('write') per frame: the buffer's kept mapping, a view per scope
  const scoped = (n) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      src[i] = i & 0xff;
      const a = buf.cpuAccess('write');
      a.bytes.set(src);
      a.end();
    }
    return (FRAME * n) / (Number(process.hrtime.bigint() - t0) / 1e9) / 1e6;
  };
  write(5);
  const f0 = minorFaults();
  const firstScopeUs = Number(process.hrtime.bigint()) / 1000;
  scoped(1);
  const first = { us: Number(process.hrtime.bigint()) / 1000 - firstScopeUs, faults: minorFaults() - f0 };
  c('memcpy', FRAME, 5);
  const ours = [];
  const scopes = [];
  const base = [];
  const base4k = [];
  let faults = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const f = minorFaults();
    ours.push(write(FRAMES));
    scopes.push(scoped(FRAMES));
    faults += minorFaults() - f;
    base.push(c('memcpy', FRAME, FRAMES));
    base4k.push(c('memcpy', FRAME, FRAMES, 'nothp'));
  }
  {
    const a = map.access('read');
    if (a.bytes[FRAME - 1] !== src[FRAME - 1]) throw new Error('the frame did not land in the buffer');
    a.end();
  }
  map.unmap();
  buf.put();
  return {
    ours: median(ours),
    baseline: median(base),
    ratio: pairedRatio(ours, base),
    baseline4k: median(base4k),
    ratio4k: pairedRatio(ours, base4k),
    oursRounds: ours,
    baselineRounds: base,
    cpuAccess: median(scopes),
    cpuAccessRatio: pairedRatio(scopes, base),
    faultsPerFrame: faults / (2 * ROUNDS * FRAMES),
    firstScope: first,
  };
}

const result = {
  cycle64k: await cycle(64 * 1024),
  cycle4k: await cycle(4096),
  cycle1m: await cycle(1024 * 1024),
  frame: frames(false),
  frameHuge: frames(true),
  thp: readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').trim(),
};
raw.close();
await fw.close();
console.log(`RESULT ${JSON.stringify(result)}`);
