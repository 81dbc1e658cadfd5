// Writing a 1080p RGBA frame into a buffer inside a CPU-access scope against
// a C memcpy between two page-aligned malloc buffers (bench/cpu-write.c, compiled now with
// cc -O2), alternating rounds in one run. Host, memfd test exporter. Ours,
// three ways: the buffer mapped once and a scope per frame on that mapping
// (mapping.access('write'): sync START, bytes.set(frame), sync END), and
// buf.cpuAccess('write') per frame (the buffer's kept mapping, a view per
// scope that dies with it), and buf.cpuAccess('write') with access.write(frame)
// (no view). Rates are bytes per second of CPU time (user +
// system) on both sides: the host is shared, and wall time would count the
// waits for a core. Also where the time goes: the first scope of a buffer
// (mapping, page faults; with and without populate), a scope alone (no
// copy), the copy alone into a kept mapping, minor faults per frame.
// Each round writes into a buffer exported for it, from one of a few
// sources in turn, as each C run copies between memory it just got; the
// sources start on a page boundary, as C's do (and plainSource*: as a plain
// new Uint8Array starts, 16 bytes into a page, against C's with the same).
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Framework } from '@dmabuf/core';
import { memfdExporterPlugin, writeBenchResult } from '@dmabuf/core/testing';

const here = fileURLToPath(new URL('.', import.meta.url));
const FRAME = 1920 * 1080 * 4;
// 40 frames (about 11 ms of copying) per round: at 10 a loaded host's noise swung single rounds 0.3–1.0
const FRAMES = Number(process.env.CPU_WRITE_FRAMES ?? 40);
const ROUNDS = Number(process.env.CPU_WRITE_ROUNDS ?? 31);
const SOURCES = Number(process.env.CPU_WRITE_SOURCES ?? 4);

const dir = mkdtempSync(join(tmpdir(), 'dmabuf-bench-'));
const exe = join(dir, 'cpu-write');
execFileSync('cc', ['-O2', '-o', exe, join(here, 'cpu-write.c')]);
/**
 * The C baseline's MB/s; dstFd: it writes into a shared mapping of that fd
 * (its fd 3) instead; srcOffset: its source that many bytes into a page.
 */
const c = (mode, dstFd, srcOffset = 0) =>
  Number(
    execFileSync(exe, [FRAME, FRAMES, mode ?? 'malloc', srcOffset].map(String), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit', ...(dstFd === undefined ? [] : [dstFd])],
    }),
  );

/** Minor page faults of this process so far (/proc/self/stat, field 10). */
function minorFaults() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mbs = (bytes, ns) => bytes / (ns / 1e9) / 1e6;

const plugin = memfdExporterPlugin();
const fw = await Framework.create({ plugins: [plugin] });
const fill = (s) => {
  for (let i = 0; i < FRAME; i++) s[i] = (i * 31) & 0xff;
  return s;
};
const mapsLines = () => readFileSync('/proc/self/maps', 'utf8').split('\n');
/**
 * A frame source that starts on a page boundary, as the buffer's mapping
 * does and as C's (posix_memalign) does: the copy then runs on aligned
 * loads and stores on both sides. A plain `new Uint8Array(FRAME)` starts 16
 * bytes into its page (glibc's header of a block it mmaps: calloc's here,
 * malloc's in C; checked with a test addon printing the address), and
 * against a page-aligned destination every 64-byte load of the copy then
 * straddles two cache lines: 3-6% slower in the same process, for C as for
 * ours. Ours gets such a source too (plainSource* below), against C with the
 * same offset. The block is found in /proc/self/maps (a mapping of its own,
 * or the new part of one the kernel merged it into).
 */
function alignedSource() {
  const range = (l) =>
    l
      .split(' ')[0]
      .split('-')
      .map((x) => Number.parseInt(x, 16));
  const before = mapsLines();
  const known = new Set(before);
  const old = before.filter(Boolean).map(range);
  const ab = new ArrayBuffer(FRAME + 4096);
  const blocks = mapsLines()
    .filter((l) => l && !known.has(l))
    .map((l) => {
      // the kernel may merge the block's mapping with a neighbour: the part that is new
      const [a, z] = range(l);
      const below = old.find(([x, y]) => y === z && x > a);
      const above = old.find(([x, y]) => x === a && y < z);
      return below ? [a, below[0]] : above ? [above[1], z] : [a, z];
    })
    .filter(([a, z]) => z - a >= FRAME + 4096 && z - a <= FRAME + 8192);
  if (blocks.length !== 1)
    throw new Error(`cannot find the source's own mapping (${blocks.length} candidates)`);
  const data = blocks[0][0] + 16;
  return fill(new Uint8Array(ab, (4096 - (data % 4096)) % 4096, FRAME));
}
/**
 * The source frames: SOURCES of each kind made now, before anything is
 * freed, so each is its own fresh mapping. Round r writes from sources[r %
 * SOURCES] into a buffer exported for that round: each C run copies between
 * memory its process just got, and which physical pages a frame lands on
 * moves a copy by ±5% (six malloc'ed sources into one memfd, one C process,
 * interleaved: 0.96–1.05 of each other), so one source and one buffer for
 * the whole run gave ours one draw where C had one a round.
 */
const sources = Array.from({ length: SOURCES }, alignedSource);
const plainSources = Array.from({ length: SOURCES }, () => fill(new Uint8Array(FRAME)));
let src = sources[0];

/** CPU time of this process so far, ns. */
const cpuNs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};

/** frame()'s `mapping` for buf.cpuAccess('write') scopes written with access.write(frame) (no view). */
const WRITE = Symbol('write');
/** One frame: a scope (through `mapping` or, without one, buf.cpuAccess), the frame copied in, the scope ended. */
function frame(buf, i, mapping) {
  src[i] = i & 0xff;
  const a = mapping && mapping !== WRITE ? mapping.access('write') : buf.cpuAccess('write');
  if (mapping === WRITE) a.write(src);
  else a.bytes.set(src);
  a.end();
}

/**
 * n frames, one scope each: MB/s (of CPU time) and minor faults per frame.
 * Two frames first, off the clock, as many bytes as the C baseline touches
 * before its clock starts (frame-copy.h: it fills the source, clears the
 * destination and copies one frame): the first frames after another
 * process ran are slower on both sides (caches, TLB), by 1.5 to 2.5 times
 * for the first, for about five frames.
 */
function scopes(buf, n, mapping) {
  frame(buf, n, mapping);
  frame(buf, n + 1, mapping);
  const f0 = minorFaults();
  const t0 = cpuNs();
  for (let i = 0; i < n; i++) frame(buf, i, mapping);
  const rate = mbs(FRAME * n, cpuNs() - t0);
  const faults = (minorFaults() - f0) / n;
  // the test exporter logs every hook call; a real exporter keeps no such log
  plugin.exporter.calls.length = 0;
  return { rate, faults };
}

/** The first scope of a fresh buffer: µs and faults (populate: the default; lazy: mmap, faults at first touch). */
function firstScope(populate) {
  const buf = fw.export({ size: FRAME });
  const f0 = minorFaults();
  const t0 = process.hrtime.bigint();
  if (populate) {
    const a = buf.cpuAccess('write');
    a.bytes.set(src);
    a.end();
  } else {
    const m = buf.mmap();
    m.bytes.set(src);
    m.unmap();
  }
  const us = Number(process.hrtime.bigint() - t0) / 1000;
  const faults = minorFaults() - f0;
  buf.put();
  return { us, faults };
}

/** A buffer for a round: exported, mapped once for mapping.access(), its memfd for the C run into its pages. */
function roundBuffer() {
  const buf = fw.export({ size: FRAME });
  return { buf, mapping: buf.mmap({ populate: true }), fd: buf.fd() };
}
function dropBuffer(b) {
  b.mapping.unmap();
  closeSync(b.fd);
  b.buf.put();
}
// warm-up, three rounds' worth of each: the first rounds ran at half speed with 3 frames of
// warm-up, and V8's optimising compiler was still at work on a background thread (counted in
// the process's CPU time) through the first two rounds with one round of warm-up
{
  const b = roundBuffer();
  for (let w = 0; w < 3; w++) {
    scopes(b.buf, FRAMES, b.mapping);
    scopes(b.buf, FRAMES);
  }
  c();
  c('memfd');
  c('fd', b.fd);
  dropBuffer(b);
}
const ours = [];
const scoped = [];
/** buf.cpuAccess('write') per frame written with access.write(frame): no view, same rounds. */
const written = [];
const base = [];
/** C memcpy into a kept memfd mapping, the same kind of memory as the buffer, same rounds. */
const sameMemory = [];
/** C memcpy into a shared mapping of the buffer itself (its fd): the same pages ours writes. */
const sameBuffer = [];
const faults = [];
/** Ours from a plain new Uint8Array(FRAME) (16 bytes into a page), same rounds. */
const plain = [];
/** C into the buffer from a source 16 bytes into a page, like plain's. */
const sameBufferPlain = [];
const tick = () => new Promise((r) => setImmediate(r));
// round -1 is run and dropped, C's as well as ours: the first round after the warm-up ran at
// 0.4–0.5 of the others in every run (its CPU time counts what the warm-up left to finish)
for (let r = -1; r < ROUNDS; r++) {
  const b = roundBuffer();
  // ours four ways, in turn first after the C runs of the last round (the first pass after
  // another process ran is the slow one, whatever it is: the plain source measured 1.03 of the
  // aligned one when it always ran third)
  const passes = [
    () => {
      src = sources[(r + SOURCES) % SOURCES];
      return scopes(b.buf, FRAMES, b.mapping);
    },
    () => scopes(b.buf, FRAMES),
    () => {
      src = plainSources[(r + SOURCES) % SOURCES];
      return scopes(b.buf, FRAMES, b.mapping);
    },
    () => scopes(b.buf, FRAMES, WRITE),
  ];
  const done = [];
  for (let k = 0; k < passes.length; k++) {
    const at = (r + 1 + k) % passes.length;
    src = sources[(r + SOURCES) % SOURCES];
    await tick(); // an application writes a frame per turn of the event loop, not in one synchronous run
    done[at] = passes[at]();
  }
  const [o, { rate: s }, { rate: p }, { rate: w }] = done;
  const base0 = c();
  const m = c('memfd');
  const same = c('fd', b.fd);
  const samePlain = c('fd', b.fd, 16);
  dropBuffer(b);
  if (r < 0) continue;
  sameBuffer.push(same);
  ours.push(o.rate);
  faults.push(o.faults);
  scoped.push(s);
  written.push(w);
  base.push(base0);
  sameMemory.push(m);
  plain.push(p);
  sameBufferPlain.push(samePlain);
}
src = sources[0];
const buf = fw.export({ size: FRAME });
// where the time goes (after the rounds, same buffer)
const phase = (fn, n) => {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / n / 1000;
};
const scopeUs = median(
  [0, 1, 2].map(() =>
    phase(() => {
      const a = buf.cpuAccess('write');
      a.end();
    }, 200),
  ),
);
const kept = buf.mmap();
const copy = (i) => {
  src[i] = i & 0xff;
  kept.bytes.set(src);
};
const copyUs = median([0, 1, 2].map(() => phase(copy, FRAMES)));
/**
 * A scope's own wall time (open, bytes, end) right after a frame was copied,
 * as in a frame loop: the 8 MB copy has flushed the caches it runs through
 * (a scope alone in a loop runs hot). Median µs over n frames.
 */
const scopeAfterCopy = (open, n) => {
  const us = [];
  for (let i = 0; i < n; i++) {
    copy(i);
    const t0 = process.hrtime.bigint();
    const a = open();
    a.bytes[0] = i & 0xff;
    a.end();
    us.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return median(us);
};
const accessAfterCopyUs = scopeAfterCopy(() => kept.access('write'), 4 * FRAMES);
const cpuAccessAfterCopyUs = scopeAfterCopy(() => buf.cpuAccess('write'), 4 * FRAMES);
plugin.exporter.calls.length = 0;
kept.unmap();
const firstPopulated = [0, 1, 2].map(() => firstScope(true));
const firstLazy = [0, 1, 2].map(() => firstScope(false));
buf.put();
await fw.close();
rmSync(dir, { recursive: true, force: true });

const ratios = ours.map((x, i) => x / base[i]);
const scopedRatios = scoped.map((x, i) => x / base[i]);
const writtenRatios = written.map((x, i) => x / base[i]);
const sameRatios = ours.map((x, i) => x / sameMemory[i]);
const scopedSameRatios = scoped.map((x, i) => x / sameMemory[i]);
const bufferRatios = ours.map((x, i) => x / sameBuffer[i]);
const scopedBufferRatios = scoped.map((x, i) => x / sameBuffer[i]);
const bufferToMalloc = sameBuffer.map((x, i) => x / base[i]);
const plainRatios = plain.map((x, i) => x / base[i]);
const plainBufferRatios = plain.map((x, i) => x / sameBufferPlain[i]);
const plainToAligned = plain.map((x, i) => x / ours[i]);
const fixed = (xs, d = 0) => xs.map((x) => x.toFixed(d)).join(', ');
const frameUs = (FRAME / median(base)) * 1e-6 * 1e6;
writeBenchResult({
  name: 'core-cpu-write',
  ours: median(ours),
  baseline: median(base),
  ratio: median(ratios),
  unit: 'MB/s',
  target: '>= 0.9',
  baselineName: 'C memcpy between two page-aligned malloc buffers (cc -O2)',
  extra: {
    method: `1920x1080x4 frames, ${FRAMES} per round, ${ROUNDS} rounds alternating ours and C; ratio = median of the rounds' ratios. Ours: per round a buffer exported and const m = buf.mmap({ populate: true }) once, then per frame m.access('write'), bytes.set(frame), end() (memfd test exporter, host); the frame from one of ${SOURCES} page-aligned sources in turn (C: fresh page-aligned malloc memory each round; plainSource* for a source as new Uint8Array gives it). Rates per second of CPU time (user+sys), both sides; the phase figures below are wall time`,
    roundRatios: fixed(ratios, 3),
    cpuAccessWritePerFrame: Math.round(median(written)),
    cpuAccessWritePerFrameRatio: Number(median(writtenRatios).toFixed(3)),
    cpuAccessWritePerFrameRoundRatios: fixed(writtenRatios, 3),
    cpuAccessWriteNote:
      "buf.cpuAccess('write') per frame, the frame written with access.write(frame) instead of access.bytes.set(frame): the scope makes no view (it makes one only when bytes or arrayBuffer is read), so it costs what a mapping.access() scope costs",
    cpuAccessPerFrame: Math.round(median(scoped)),
    cpuAccessPerFrameRatio: Number(median(scopedRatios).toFixed(3)),
    cpuAccessPerFrameRoundRatios: fixed(scopedRatios, 3),
    cpuAccessNote:
      "buf.cpuAccess('write') per frame, same rounds: the buffer's kept mapping with a new ArrayBuffer view per scope (detached at its end, so a view kept past the scope cannot touch the buffer). The view is what separates it from mapping.access(): N-API makes an external ArrayBuffer only through node::Buffer::New (a Uint8Array with Buffer's prototype, a cleanup hook, a finalizer run on the JS thread after V8's ArrayBufferSweeper frees it on a worker), 1.0-1.2 us hot of the 2.2 us a cpuAccess scope costs hot (mapping.access: 0.2-0.3 us); right after a frame copy see *ScopeAfterCopyUs. In this bench's rounds (load 7-8), per frame of ours to mapping.access in the same rounds: cpuAccess 0.858; a cpuAccess scope writing through the kept mapping instead of its view 0.912; mapping.access plus a native view made and detached 0.903; plus a bare N-API external ArrayBuffer of 4 KiB 0.92, of the whole buffer 0.88-0.93: the ArrayBuffer, whatever its size, is the cost, and views without per-view references (counters only) measured no different (cold scope 17.9 vs 18.4 us, alternating builds). One per scope that reads bytes is the floor while a scope's views must die with it (where it goes: bench/cpu-view-parts.js); since the first view made after a frame copy costs 13-15 us and the next ones 2-3 us, the kept mapping makes views four at a time (2.5-8.7% faster per frame than one at a time, same process, 31 interleaved rounds, load 8). For a frame loop, write with access.write(frame) (cpuAccessWrite*) or map once and use mapping.access()",
    oursRuns: fixed(ours),
    baselineRuns: fixed(base),
    faultsPerFrame: Number(median(faults).toFixed(2)),
    scopeAloneUs: Number(scopeUs.toFixed(2)),
    accessScopeAfterCopyUs: Number(accessAfterCopyUs.toFixed(2)),
    cpuAccessScopeAfterCopyUs: Number(cpuAccessAfterCopyUs.toFixed(2)),
    scopeAfterCopyNote:
      'wall µs of one scope (open, bytes, end; no copy inside) right after a frame was copied into the buffer, median of 160 frames: what a scope costs in a frame loop, where each copy has flushed the caches (scopeAloneUs is cpuAccess in a tight loop, hot)',
    copyAloneIntoKeptMappingUs: Number(copyUs.toFixed(1)),
    baselineFrameUs: Number(frameUs.toFixed(1)),
    cMemcpyIntoKeptMemfdMapping: Math.round(median(sameMemory)),
    cMemcpyIntoKeptMemfdMappingRuns: fixed(sameMemory),
    ratioToSameMemory: Number(median(sameRatios).toFixed(3)),
    cpuAccessRatioToSameMemory: Number(median(scopedSameRatios).toFixed(3)),
    sameMemoryNote:
      "the same rounds against C memcpy into a kept memfd mapping (4 KiB shared pages, the buffer's kind of memory): what is left is ours (sync ioctls, the scope, TypedArray.set); against malloc memory the copy itself differs with the destination's pages",
    cMemcpyIntoTheBuffer: Math.round(median(sameBuffer)),
    cMemcpyIntoTheBufferToMalloc: Number(median(bufferToMalloc).toFixed(3)),
    ratioToTheBuffer: Number(median(bufferRatios).toFixed(3)),
    cpuAccessRatioToTheBuffer: Number(median(scopedBufferRatios).toFixed(3)),
    theBufferNote:
      "the same rounds against C memcpy into a shared mapping of this very buffer (its memfd passed as the C process's fd 3): the same pages, the same source pattern, frame-copy.h's loop. cMemcpyIntoTheBufferToMalloc is what the destination memory alone costs C; ratioToTheBuffer what is left to ours",
    plainSourceRatio: Number(median(plainRatios).toFixed(3)),
    plainSourceRoundRatios: fixed(plainRatios, 3),
    plainSourceRatioToTheBuffer: Number(median(plainBufferRatios).toFixed(3)),
    plainSourceToAligned: Number(median(plainToAligned).toFixed(3)),
    plainSourceNote:
      'mapping.access as above, the frame from a plain new Uint8Array(1920*1080*4) (16 bytes into a page, where calloc puts it): ratio to C between page-aligned malloc buffers, to C into the buffer from a source 16 bytes into a page (the same copy), and to ours from the page-aligned source in the same round',
    firstScopeUs: fixed(firstPopulated.map((x) => x.us)),
    firstScopeFaults: fixed(firstPopulated.map((x) => x.faults)),
    firstTouchWithoutPopulateUs: fixed(firstLazy.map((x) => x.us)),
    firstTouchWithoutPopulateFaults: fixed(firstLazy.map((x) => x.faults)),
    note: 'The scopes of a buffer share one mapping, made and populated (MADV_POPULATE_WRITE, one madvise; the kernel still counts each page it fills as a minor fault) at the first scope; before, every scope mapped anew and faulted in each 4 KiB page at first touch (2025 per frame): firstTouchWithoutPopulate* is what that costs, once per mapping now, once per frame then',
  },
});
