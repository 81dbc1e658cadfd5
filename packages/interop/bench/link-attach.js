// A diagnosis, not a benchmark (run in the lab): one capture link into a
// counting sink, `node bench/link-attach.js [frames=660] [dmabuf|mmap] [buffers=4]`,
// printing its CPU per frame over the run and over a window. With
// ATTACH="<tool args>" the tool is started with `-p <this pid>` at the 60th
// shown frame and stopped (SIGINT) at frames-60, so it sees the link running
// and nothing of Node's start-up, e.g.
//   ATTACH="strace -c -f" (every thread's syscalls),
//   ATTACH="perf stat --per-thread -e task-clock,context-switches".
// STATS_EVERY=0: no onStats at all; the window is then 8 s from the 60th
// frame, timed (the link's thread runs on; JavaScript wakes for the two marks).
import { spawn } from 'node:child_process';
import { countingSink, Link } from '@dmabuf/core';
import { closeCapture, openCapture } from './capture-setup.js';

const N = Number(process.argv[2] ?? 660);
const memory = process.argv[3] ?? 'dmabuf';
const bufs = Number(process.argv[4] ?? 4);
const c = await openCapture(memory, bufs);
for (const b of c.bufs) c.q.attach(b);
let child;
let exited;
let mark;
function startWindow(s) {
  if (process.env.ATTACH) {
    const [cmd, ...args] = process.env.ATTACH.split(' ');
    child = spawn(cmd, [...args, '-p', String(process.pid)], { stdio: 'inherit' });
    exited = new Promise((r) => child.on('exit', r));
  }
  mark = { cpu: process.cpuUsage(), shown: s.shown, t: performance.now() };
}
function endWindow(s) {
  if (child) child.kill('SIGINT');
  const cpu = process.cpuUsage(mark.cpu);
  const n = s.shown - mark.shown;
  console.log(
    `window ${n} frames ${(performance.now() - mark.t).toFixed(0)} ms: user ${(cpu.user / n).toFixed(0)} sys ${(cpu.system / n).toFixed(0)} us/frame, skipped ${s.skipped}`,
  );
}
const onStats = (s) => {
  if (!mark && s.shown >= 60) startWindow(s);
  else if (mark && !mark.ended && s.shown >= N - 60) {
    mark.ended = true;
    endWindow(s);
  }
};
const every = Number(process.env.STATS_EVERY ?? 60);
const link = new Link(
  c.q.port(),
  countingSink(),
  every > 0 ? { frames: N, statsEveryFrames: every, onStats } : { frames: N },
);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
link.start();
if (every === 0) {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  while (link.stats.shown < 60 && link.state === 'running') await sleep(200);
  startWindow(link.stats);
  await sleep(8000);
  endWindow(link.stats);
}
const s = await link.done;
const cpu = process.cpuUsage(cpu0);
console.log(
  `link ${memory} ${N}: frames ${s.frames} shown ${s.shown} skipped ${s.skipped} ${(performance.now() - t0).toFixed(0)} ms user ${(cpu.user / s.shown).toFixed(0)} sys ${(cpu.system / s.shown).toFixed(0)} us/frame`,
);
if (exited) await exited;
await closeCapture(c);
