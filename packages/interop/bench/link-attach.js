// A diagnosis, not a benchmark (run in the lab): one capture link into a
// counting sink, `node bench/link-attach.js [frames=660] [dmabuf|mmap] [buffers=4]`,
// printing its CPU per frame over the run and over a window. With
// ATTACH="<tool args>" the tool is started with `-p <this pid>` at the 60th
// shown frame and stopped (SIGINT) at frames-60, so it sees the link running
// and nothing of Node's start-up, e.g.
//   ATTACH="strace -c -f" (every thread's syscalls),
//   ATTACH="perf stat --per-thread -e task-clock,context-switches".
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
const onStats = (s) => {
  if (!child && s.shown >= 60 && process.env.ATTACH) {
    const [cmd, ...args] = process.env.ATTACH.split(' ');
    child = spawn(cmd, [...args, '-p', String(process.pid)], { stdio: 'inherit' });
    exited = new Promise((r) => child.on('exit', r));
    mark = { cpu: process.cpuUsage(), shown: s.shown, t: performance.now() };
  } else if (child && !child.done && s.shown >= N - 60) {
    child.done = true;
    child.kill('SIGINT');
    const cpu = process.cpuUsage(mark.cpu);
    const n = s.shown - mark.shown;
    console.log(
      `window ${n} frames ${(performance.now() - mark.t).toFixed(0)} ms: user ${(cpu.user / n).toFixed(0)} sys ${(cpu.system / n).toFixed(0)} us/frame, skipped ${s.skipped}`,
    );
  }
};
const link = new Link(c.q.port(), countingSink(), {
  frames: N,
  statsEveryFrames: Number(process.env.STATS_EVERY ?? 60),
  onStats,
});
const cpu0 = process.cpuUsage();
const t0 = performance.now();
link.start();
const s = await link.done;
const cpu = process.cpuUsage(cpu0);
console.log(
  `link ${memory} ${N}: frames ${s.frames} shown ${s.shown} skipped ${s.skipped} ${(performance.now() - t0).toFixed(0)} ms user ${(cpu.user / s.shown).toFixed(0)} sys ${(cpu.system / s.shown).toFixed(0)} us/frame`,
);
if (exited) await exited;
await closeCapture(c);
