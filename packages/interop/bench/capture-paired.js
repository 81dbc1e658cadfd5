// A capture path of ours and `v4l2-ctl --stream-mmap` measured side by side
// over the same seconds (used by v4l2-capture.js, in the lab): each on its
// own vivid instance (same format, frame interval and buffer count), both
// read the same way (utime + stime of the whole process from /proc/<pid>/stat,
// every thread included) at the same two moments, frames counted by each one
// (our link's or loop's frame count; v4l2-ctl's '<' per frame on stderr).
//
// Why side by side: under TCG a guest task's CPU time is host wall time while
// its vCPU runs it, including the time the host gives that core to another
// process (TCG has no steal-time accounting), so the CPU per frame of a run
// follows the host's load at that moment. Runs one after the other (7 s
// apart) saw different loads; two processes measured over the same window
// see the same one.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { V4l2Device } from '@dmabuf/importer-v4l2';
import { FORMAT, HEIGHT, setup, WIDTH } from './capture-setup.js';

const CLK_TCK = 100;

/** utime + stime of a whole process (all its threads, live and ended), in µs, from /proc/<pid>/stat. */
export function processCpuUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1e6) / CLK_TCK;
}

/** The vivid capture nodes (one per instance: n_devs=2 gives two), single-planar, in order. */
export function vividCaptures() {
  return V4l2Device.list()
    .filter((i) => i.driver === 'vivid' && i.queues.includes('capture'))
    .map((i) => i.path);
}

/** Per thread of this process: 'link' (the link's own thread, dmabuf-link), 'main' (Node's loop thread) or 'other' (V8's and libuv's workers), CPU µs. */
function threadsCpuUs() {
  const out = { link: 0, main: 0, other: 0 };
  for (const tid of readdirSync('/proc/self/task')) {
    let stat;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // a thread that ended meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const k = comm === 'dmabuf-link' ? 'link' : Number(tid) === process.pid ? 'main' : 'other';
    out[k] += ((Number(f[11]) + Number(f[12])) * 1e6) / CLK_TCK;
  }
  return out;
}

function count(file) {
  let n = 0;
  for (const c of readFileSync(file, 'latin1')) if (c === '<') n++;
  return n;
}

/**
 * `v4l2-ctl --stream-mmap=<buffers>` on `path`, streaming until stopped; its
 * stderr (one '<' per frame) goes to a file in the guest's own /tmp (tmpfs),
 * read only at the two marks.
 */
export async function startV4l2ctl(path, buffers, tag) {
  const dev = V4l2Device.open(path);
  setup(dev); // no OSD, the fastest interval: as our side's queue
  dev.close();
  const args = [
    '-d',
    path,
    `--set-fmt-video=width=${WIDTH},height=${HEIGHT},pixelformat=${FORMAT}`,
    `--stream-mmap=${buffers}`,
    '--stream-count=1000000',
    '--stream-to=/dev/null',
  ];
  const file = `/tmp/v4l2ctl-${tag}.err`;
  const fd = openSync(file, 'w');
  const child = spawn('v4l2-ctl', args, { stdio: ['ignore', 'ignore', fd] });
  closeSync(fd);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  // streaming steadily before our side starts: 30 frames seen
  for (let i = 0; count(file) < 30; i++) {
    if (child.exitCode !== null || i > 300) throw new Error(`v4l2-ctl ${args.join(' ')} did not stream`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    args,
    /** CPU µs and frames so far. */
    mark: () => ({ cpuUs: processCpuUs(child.pid), frames: count(file), t: performance.now() }),
    async stop() {
      child.kill('SIGINT');
      await exited;
    },
  };
}

/**
 * Measure `run(mark)` (ours: calls mark(frames) at its warm-up and at its
 * last measured frame) and v4l2-ctl on `ctlPath` over the same window.
 */
export async function paired(ctlPath, buffers, tag, run) {
  const ctl = await startV4l2ctl(ctlPath, buffers, tag);
  const marks = [];
  let extra;
  try {
    extra = await run((frames) => {
      const cpuUs = processCpuUs(process.pid);
      marks.push({ ours: { cpuUs, frames }, ctl: ctl.mark(), t: performance.now(), threads: threadsCpuUs() });
    });
  } finally {
    await ctl.stop();
  }
  if (marks.length !== 2) throw new Error(`paired ${tag}: ${marks.length} marks, expected 2`);
  const [a, b] = marks;
  const ms = b.t - a.t;
  const side = (k) => {
    const frames = b[k].frames - a[k].frames;
    return { frames, fps: (frames * 1000) / ms, cpuUsPerFrame: (b[k].cpuUs - a[k].cpuUs) / frames };
  };
  const ours = side('ours');
  // where ours went, per thread (/proc/self/task/*/stat, read just after the process figure)
  const threads = Object.fromEntries(
    Object.keys(a.threads).map((k) => [k, Math.round((b.threads[k] - a.threads[k]) / ours.frames)]),
  );
  return { ...extra, ms, ours: { ...ours, threads }, ctl: { ...side('ctl'), args: ctl.args } };
}
