// fd passing over a Unix socket between two processes: BufferChannel (ours)
// against a C program doing the same sendmsg/recvmsg (compiled now with cc -O2).
//
// Round trips (core-fdpass-rtt) are measured under three CPU placements, both
// sides placed the same way in the same round:
//   any   — the scheduler decides (no pinning): `ratio`, as before;
//   same  — both processes pinned to CPU 0: every trip is two context
//           switches between the processes on one CPU;
//   split — receiver on CPU 0, sender on CPU 1: every trip wakes the other
//           CPU from idle (or from whatever else runs there).
// The blocking C pair (recvmsg blocks) is the baseline of every `ratio*`
// figure. Beside it an event-loop C pair (`fdpass rtt-loop`: each side blocks
// in epoll_wait, then recvmsg, as libuv and every Node library must): the
// `*VsLoopC` ratios. The unpinned C pair runs at two speeds from run to run
// on a 2-vCPU VM (the scheduler puts the pair on one CPU or on two), which
// the pinned rounds separate. Pinning uses taskset (util-linux) and needs 2
// CPUs; FDPASS_PLACES=any,same,split picks placements.
//
// The sender of ours (bench/fdpass-sender.js) is ONE node process for the
// whole run, as the receiver (this process) is: both are warm after their
// first round, as in a long-running program, while C has nothing to warm. It
// takes each round on its stdin; a pinned round pins it (taskset -p, every
// thread) and restores it after. The first round's ratio of each case (the
// sender's first round in that mode; in the first case a fresh process, as
// the bench ran every round before) is kept apart as firstRoundRatio.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BufferChannel, Framework } from '@dmabuf/core';
import { memfdExporterPlugin, writeBenchResult } from '@dmabuf/core/testing';

const here = fileURLToPath(new URL('.', import.meta.url));
const SIZE = 65536;
const STREAM = Number(process.env.FDPASS_STREAM ?? 100_000);
const RTT = Number(process.env.FDPASS_RTT ?? 20_000);
const WARMUP = 5000;
const RUNS = Number(process.env.FDPASS_RUNS ?? 7);
/** Messages per peer.sendMany() in the batched case. */
const BATCH = Number(process.env.FDPASS_BATCH ?? 32);
/** Which cases run (FDPASS_CASES=rtt: the round trips alone, while working on them). */
const CASES = (process.env.FDPASS_CASES ?? 'stream,rtt').split(',');
/** Round-trip placements (see the header); pinned ones only with taskset and 2 CPUs. */
const canPin = availableParallelism() >= 2 && hasTaskset();
const PLACES = [
  'any',
  ...(process.env.FDPASS_PLACES ?? 'any,same,split')
    .split(',')
    .filter((p) => canPin && (p === 'same' || p === 'split')),
];
/** CPU of the receiver (this process) and of the sender under each placement. */
const CPUS = { same: ['0', '0'], split: ['0', '1'] };

function hasTaskset() {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The CPUs this process may run on now (restored after a pinned round). */
const allCpus = hasTaskset()
  ? execFileSync('taskset', ['-c', '-p', String(process.pid)], { encoding: 'utf8' })
      .split(':')
      .pop()
      .trim()
  : '';

/** Pins every thread of process `pid` to `cpus` (taskset -a). */
function pin(pid, cpus) {
  execFileSync('taskset', ['-a', '-c', '-p', cpus, String(pid)], { stdio: 'ignore' });
}

/** The 1-minute load average when the bench started (the machine is shared: say how busy it was). */
const loadAtStart = loadavg()[0].toFixed(2);
const loadNow = () => `${loadAtStart} at start, ${loadavg()[0].toFixed(2)} at end (1-minute load average)`;

const dir = mkdtempSync(join(tmpdir(), 'dmabuf-bench-'));
const exe = join(dir, 'fdpass');
execFileSync('cc', ['-O2', '-o', exe, join(here, 'fdpass.c')]);

/** The C pair: { rate, cpu, switches } (per message, both processes: cpu in µs, context switches). */
function c(mode, count, place = 'any') {
  const out = execFileSync(exe, [mode, String(count), String(SIZE), place], { encoding: 'utf8' });
  const [rate, cpu, switches] = out.trim().split(' ').map(Number);
  return { rate, cpu, switches };
}

const fw = await Framework.create({ plugins: [memfdExporterPlugin()] });

/**
 * The sender of ours: one node process (bench/fdpass-sender.js) for the whole
 * run, started by the first round. round(spec) has it connect and send, and
 * resolves with its { cpuUs, switches }; close() ends it.
 */
function startSender() {
  const child = spawn(process.execPath, [join(here, 'fdpass-sender.js')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting = [];
  let gone;
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(JSON.parse(line)));
  const closed = new Promise((resolve) =>
    child.on('close', (code, signal) => {
      gone = new Error(`the sender (fdpass-sender.js) ended: ${signal ?? `exit ${code}`}`);
      for (const w of waiting.splice(0)) w.reject(gone);
      resolve();
    }),
  );
  return {
    pid: child.pid,
    round(spec) {
      if (gone) return Promise.reject(gone);
      child.stdin.write(`${JSON.stringify(spec)}\n`);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    async close() {
      child.stdin.end();
      await closed;
    },
  };
}
let sender;

/** One run of ours: this process receives, the sender process sends ('batch': sendMany of BATCH, received with peer.batches()). Returns { rate: messages (or round trips) per second, cpu: µs of CPU of both processes per message, switches: context switches of both per message }; place: see the header. */
async function ours(mode, count, place = 'any') {
  // started unpinned: it inherits this process's CPUs
  sender ??= startSender();
  if (place !== 'any') {
    pin(process.pid, CPUS[place][0]);
    pin(sender.pid, CPUS[place][1]);
  }
  try {
    return await oursPlaced(mode, count);
  } finally {
    if (place !== 'any') {
      pin(process.pid, allCpus);
      pin(sender.pid, allCpus);
    }
  }
}

async function oursPlaced(mode, count) {
  const path = join(dir, `ours-${mode}.sock`);
  const server = BufferChannel.listen(path, { framework: fw });
  const total = WARMUP + count;
  const answer = sender.round({ path, mode, count: total, size: SIZE, warmup: WARMUP, batch: BATCH });
  // a failed round rejects here, and at the await below
  answer.catch(() => undefined);
  const peer = await server.accept({ timeoutMs: 20000 });
  // a receiver that keeps the buffers it has seen (as a compositor keeps its imports):
  // after the first round, every receive gives back a known buffer
  const seen = new Map();
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  let switches0 = 0;
  let n = 0;
  const take = (m) => {
    if (!('buffer' in m)) return;
    const b = m.buffer;
    if (seen.has(b.identity)) b.put();
    else seen.set(b.identity, b);
    n++;
    if (n === WARMUP + 1) {
      t0 = performance.now();
      cpu0 = process.cpuUsage();
      switches0 = switchCount();
    }
  };
  if (mode === 'batch') {
    for await (const batch of peer.batches({ max: 1024 })) {
      for (const m of batch) take(m);
      if (n >= total) break;
    }
  } else {
    for await (const m of peer) {
      take(m);
      if (mode === 'rtt') await peer.sendMessage({ ok: 1 });
      if (n === total) break;
    }
  }
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const switches = switchCount() - switches0;
  peer.close();
  server.close();
  const sent = await answer;
  for (const b of seen.values()) b.put();
  return {
    rate: ((count - 1) / (t1 - t0)) * 1000,
    cpu: (cpu.user + cpu.system + sent.cpuUs) / count,
    switches: (switches + sent.switches) / count,
    // each side's share of cpu
    receiverCpu: (cpu.user + cpu.system) / count,
    senderCpu: sent.cpuUs / count,
  };
}

/** Context switches of this process (all threads), voluntary and not. */
function switchCount() {
  const r = process.resourceUsage();
  return r.voluntaryContextSwitches + r.involuntaryContextSwitches;
}

/** The floor from JS (bench/fdpass-raw.js): the native calls alone, spinning, no channel. fds/s. */
function raw(count) {
  const out = execFileSync(process.execPath, [join(here, 'fdpass-raw.js'), String(count)], {
    encoding: 'utf8',
  });
  return JSON.parse(out).rate;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ: 100 on Linux). */
const TICKS = 100;

/** CPU time (user + sys, all threads) of process `pid` so far, in clock ticks. */
function ticksOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/**
 * Reference, not the baseline: a 1-byte ping-pong over node's own net module
 * on a Unix stream socket (no fds, no framing), what node's event loop allows.
 */
async function nodeNet(count) {
  const path = join(dir, 'net.sock');
  const echo = `const s = require('node:net').connect(${JSON.stringify(path)}); s.on('data', (d) => s.write(d)); s.on('error', () => {});`;
  return new Promise((resolve) => {
    let child;
    const server = createServer((s) => {
      let n = 0;
      let t0 = 0;
      let cpu0 = process.cpuUsage();
      let childTicks0 = 0;
      s.on('data', () => {
        n++;
        if (n === WARMUP) {
          t0 = performance.now();
          cpu0 = process.cpuUsage();
          childTicks0 = ticksOf(child.pid);
        }
        if (n === WARMUP + count) {
          const rate = ((count - 1) / (performance.now() - t0)) * 1000;
          const own = process.cpuUsage(cpu0);
          const childUs = ((ticksOf(child.pid) - childTicks0) * 1e6) / TICKS;
          s.destroy();
          server.close();
          child.kill();
          resolve({ rate, cpu: (own.user + own.system + childUs) / count });
          return;
        }
        s.write('x');
      });
      s.write('x');
    }).listen(path, () => {
      child = spawn(process.execPath, ['-e', echo], { stdio: 'inherit' });
    });
  });
}

const round = (x, c) => x.rate / c.rate;

/** The cases, each with its rounds: C then ours back to back (and the references). */
const stream = { c: [], ours: [], batch: [], raw: [] };
/** Round trips per placement: the blocking C pair, the event-loop C pair, ours. */
const placed = Object.fromEntries(PLACES.map((p) => [p, { c: [], loop: [], ours: [] }]));
const rtt = { c: placed.any.c, ours: placed.any.ours, net: [] };
for (let r = 0; r < RUNS && CASES.includes('stream'); r++) {
  stream.c.push(c('stream', STREAM));
  stream.ours.push(await ours('stream', STREAM));
  stream.batch.push(await ours('batch', STREAM));
  stream.raw.push(raw(STREAM));
}
for (let r = 0; r < RUNS && CASES.includes('rtt'); r++) {
  for (const place of PLACES) {
    placed[place].c.push(c('rtt', RTT, place));
    placed[place].loop.push(c('rtt-loop', RTT, place));
    placed[place].ours.push(await ours('rtt', RTT, place));
  }
  rtt.net.push(await nodeNet(RTT));
}

/** The figures of one case of ours against its C rounds. */
function figures(os, cs) {
  const oursCpu = median(os.map((x) => x.cpu));
  const cCpu = median(cs.map((x) => x.cpu));
  // The machine's speed drifts between runs (a shared VM): each round runs C
  // then ours back to back, and the ratio is the median of the rounds' ratios.
  const ratios = os.map((o, i) => round(o, cs[i]));
  return {
    ours: median(os.map((x) => x.rate)),
    baseline: median(cs.map((x) => x.rate)),
    ratio: median(ratios),
    roundRatios: ratios.map((x) => x.toFixed(3)).join(', '),
    // the sender's first round in this mode (see the header), in the median too
    firstRoundRatio: Number(ratios[0].toFixed(3)),
    oursRuns: os.map((x) => x.rate.toFixed(0)).join(', '),
    baselineRuns: cs.map((x) => x.rate.toFixed(0)).join(', '),
    oursCpuUsPerMessage: Number(oursCpu.toFixed(2)),
    baselineCpuUsPerMessage: Number(cCpu.toFixed(2)),
    cpuEfficiencyRatio: Number((cCpu / oursCpu).toFixed(3)),
    oursReceiverCpuUsPerMessage: Number(median(os.map((x) => x.receiverCpu)).toFixed(2)),
    oursSenderCpuUsPerMessage: Number(median(os.map((x) => x.senderCpu)).toFixed(2)),
  };
}

const cpuNote =
  'CPU time (user+sys) of sender and receiver together per message, medians; independent of how the scheduler shares a loaded machine. cpuEfficiencyRatio = C CPU / ours CPU, comparable to the throughput target; oursReceiverCpuUsPerMessage / oursSenderCpuUsPerMessage: each side of ours alone (medians, so they need not add up)';

/**
 * The flat extra fields of one round-trip placement, prefixed with its name
 * (sameRatio, splitRatioVsLoopC, ...): rates, CPU µs and context switches
 * per trip (both processes), medians; ratios are medians of the rounds'.
 */
function placementFields(place) {
  const { c: cs, loop, ours: os } = placed[place];
  const med = (xs, k) => median(xs.map((x) => x[k]));
  const vsC = os.map((o, i) => round(o, cs[i]));
  const vsLoop = os.map((o, i) => round(o, loop[i]));
  const fields = {
    Ratio: Number(median(vsC).toFixed(3)),
    RatioVsLoopC: Number(median(vsLoop).toFixed(3)),
    LoopCRatioToC: Number(median(loop.map((l, i) => round(l, cs[i]))).toFixed(3)),
    // C's CPU per trip over ours: steadier than the rates, which follow whatever else runs on the CPUs
    CpuRatio: Number((med(cs, 'cpu') / med(os, 'cpu')).toFixed(3)),
    CpuRatioVsLoopC: Number((med(loop, 'cpu') / med(os, 'cpu')).toFixed(3)),
    Ours: Math.round(med(os, 'rate')),
    Baseline: Math.round(med(cs, 'rate')),
    LoopC: Math.round(med(loop, 'rate')),
    RoundRatios: vsC.map((x) => x.toFixed(3)).join(', '),
    FirstRoundRatio: Number(vsC[0].toFixed(3)),
    OursRuns: os.map((x) => x.rate.toFixed(0)).join(', '),
    BaselineRuns: cs.map((x) => x.rate.toFixed(0)).join(', '),
    LoopCRuns: loop.map((x) => x.rate.toFixed(0)).join(', '),
    OursCpuUsPerTrip: Number(med(os, 'cpu').toFixed(2)),
    BaselineCpuUsPerTrip: Number(med(cs, 'cpu').toFixed(2)),
    LoopCCpuUsPerTrip: Number(med(loop, 'cpu').toFixed(2)),
    OursSwitchesPerTrip: Number(med(os, 'switches').toFixed(2)),
    BaselineSwitchesPerTrip: Number(med(cs, 'switches').toFixed(2)),
    LoopCSwitchesPerTrip: Number(med(loop, 'switches').toFixed(2)),
  };
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [`${place}${k}`, v]));
}

/** One line per placement on stdout, for whoever runs the bench by hand. */
function printPlacements() {
  for (const place of PLACES) {
    const f = placementFields(place);
    const g = (k) => f[`${place}${k}`];
    console.log(
      `  rtt ${place.padEnd(5)}: ours ${g('Ours')}/s ${g('OursCpuUsPerTrip')} µs, C ${g('Baseline')}/s ${g('BaselineCpuUsPerTrip')} µs, loop-C ${g('LoopC')}/s ${g('LoopCCpuUsPerTrip')} µs (CPU per trip, both processes); ratio ${g('Ratio')} (rounds ${g('RoundRatios')}; first ${g('FirstRoundRatio')}), vs loop-C ${g('RatioVsLoopC')}; CPU ratio ${g('CpuRatio')}, vs loop-C ${g('CpuRatioVsLoopC')}`,
    );
  }
}
const method = (count, what) =>
  `${count} messages of a 64 KiB memfd-test buffer (pool of 4) + meta {i}, sender and receiver in two processes; ${RUNS} rounds, each C then ours; ratio = median of the rounds' ratios (all rounds), ours/baseline = medians of the rates; ours: ${what}, receiver keeps buffers it has seen (the same DmaBuf comes back), ${WARMUP} warm-up messages not timed. ${senderNote}`;
const senderNote =
  "Both processes of ours are long-lived, as in a long-running program: the receiver is this bench process and the sender is one node process for the whole run (bench/fdpass-sender.js, taking each round on its stdin), so from the second round on both are warm from earlier rounds (V8 has compiled their paths); C has nothing to warm. firstRoundRatio: the round where the sender first runs this mode (in the run's first case a fresh process, as every round was before 2026-12-07), counted in the median too";
const syscallsNote =
  "per message, C: sendmsg; recvmsg + close. Ours: sendmsg for a send() that goes at once (batched: a share of one sendmmsg per 32); a share of one recvmmsg and one close (close_range for a run of fds) per received batch, before the batch is delivered; fstat only for a buffer new to that peer (identity claims, see protocol.ts). A round trip adds the event loop's epoll_pwait calls: libuv polls with timeout 0 before every blocking poll (node's idle-time metrics; node's own net module does the same), so 8 to 9 syscalls per trip against C's 5";

if (CASES.includes('stream')) {
  const one = figures(stream.ours, stream.c);
  const batched = figures(stream.batch, stream.c);
  const { ours: oneRate, baseline: cRate, ratio: oneRatio, ...oneExtra } = one;
  writeBenchResult({
    name: 'core-fdpass-stream',
    ours: oneRate,
    baseline: cRate,
    ratio: oneRatio,
    unit: 'fds/s',
    target: '>= 0.75',
    baselineName: 'C sendmsg/recvmsg (cc -O2, blocking)',
    extra: {
      method: method(STREAM, 'BufferChannel, await peer.send() per buffer, for await (const m of peer)'),
      syscallsNote,
      ...oneExtra,
      cpuNote,
      load: loadNow(),
      rawFromJs: Math.round(median(stream.raw.map((x) => x))),
      rawFromJsRuns: stream.raw.map((x) => x.toFixed(0)).join(', '),
      rawFromJsRatioToC: Number((median(stream.raw) / cRate).toFixed(3)),
      rawFromJsNote:
        "the floor from JS: the core's native sendMessage/receiveMessages/closeFdsIn called directly by two node processes spinning on EAGAIN, no BufferChannel, no framework (bench/fdpass-raw.js)",
      batchedRatio: Number(batched.ratio.toFixed(3)),
      batchedFirstRoundRatio: batched.firstRoundRatio,
      batchedNote: 'the same rounds sent with peer.sendMany (see core-fdpass-batched)',
    },
  });
  const { ours: batchRate, ratio: batchRatio, baseline: _b, ...batchExtra } = batched;
  writeBenchResult({
    name: 'core-fdpass-batched',
    ours: batchRate,
    baseline: cRate,
    ratio: batchRatio,
    unit: 'fds/s',
    target: '>= 1.0',
    baselineName: 'C sendmsg/recvmsg (cc -O2, blocking), one message per call',
    extra: {
      method: method(
        STREAM,
        `BufferChannel, await peer.sendMany() of ${BATCH} buffers, for await (const batch of peer.batches())`,
      ),
      syscallsNote,
      ...batchExtra,
      cpuNote,
      load: loadNow(),
      // the one-at-a-time figures of the same rounds, so the gain shows
      oneAtATime: Math.round(oneRate),
      oneAtATimeRatio: Number(oneRatio.toFixed(3)),
      oneAtATimeRuns: oneExtra.oursRuns,
    },
  });
  console.log(`  stream rounds: ${one.roundRatios}; first round ${one.firstRoundRatio}`);
  console.log(`  batched rounds: ${batched.roundRatios}; first round ${batched.firstRoundRatio}`);
  console.log(
    `  CPU per message (both processes): one-at-a-time ${one.oursCpuUsPerMessage} µs (receiver ${one.oursReceiverCpuUsPerMessage}, sender ${one.oursSenderCpuUsPerMessage}), batched ${batched.oursCpuUsPerMessage} µs (receiver ${batched.oursReceiverCpuUsPerMessage}, sender ${batched.oursSenderCpuUsPerMessage}), C ${one.baselineCpuUsPerMessage} µs; raw from JS ${Math.round(median(stream.raw))}/s`,
  );
  console.log(`  load: ${loadNow()}`);
}
if (CASES.includes('rtt')) {
  const trips = figures(rtt.ours, rtt.c);
  const { ours: tripRate, baseline: cTrips, ratio: tripRatio, ...tripExtra } = trips;
  writeBenchResult({
    name: 'core-fdpass-rtt',
    ours: tripRate,
    baseline: cTrips,
    ratio: tripRatio,
    unit: 'round trips/s',
    target: '>= 0.6',
    baselineName: 'C sendmsg/recvmsg (cc -O2, blocking)',
    extra: {
      method: method(RTT, 'BufferChannel, await send() then await receive() of a reply, each way'),
      syscallsNote,
      ...tripExtra,
      cpuNote,
      load: loadNow(),
      nodeNetPingPong: Math.round(median(rtt.net.map((x) => x.rate))),
      nodeNetRatioToC: Number((median(rtt.net.map((x) => x.rate)) / cTrips).toFixed(3)),
      // CPU of both node processes per trip (the echo side's from /proc, 10 ms ticks)
      nodeNetCpuUsPerTrip: Number(median(rtt.net.map((x) => x.cpu)).toFixed(2)),
      nodeNetNote:
        "reference only: node's own net module, 1 byte each way over a Unix stream socket, no fd, same runs, unpinned; the best an event-loop round trip does here. nodeNetCpuUsPerTrip: CPU of both processes per trip",
      placements: PLACES.join(','),
      placementNote:
        "round trips per CPU placement, both sides placed alike in each round: any = unpinned (ratio, baseline and ours above are these rounds), same = both processes pinned to CPU 0, split = receiver CPU 0, sender CPU 1 (taskset; left out with fewer than 2 CPUs or no taskset). <place>Ratio: ours / blocking C; <place>RatioVsLoopC: ours / event-loop C (bench/fdpass.c rtt-loop: epoll_wait then recvmsg on each side, 7 syscalls a trip); <place>LoopCRatioToC: what the event loop alone costs C; <place>CpuRatio and <place>CpuRatioVsLoopC: C's CPU per trip over ours (steadier than the rates, which follow whatever else runs on the CPUs). CPU µs and context switches per trip: both processes",
      ...Object.assign({}, ...PLACES.map(placementFields)),
    },
  });
  printPlacements();
  console.log(`  load: ${loadNow()}`);
  console.log(
    `  rtt node net (any, no fd): ${Math.round(median(rtt.net.map((x) => x.rate)))}/s ${median(rtt.net.map((x) => x.cpu)).toFixed(2)} µs`,
  );
}

await sender?.close();
await fw.close();
rmSync(dir, { recursive: true, force: true });
