// A diagnosis, not a benchmark (no figures are written): where camera →
// display's CPU goes, on the link and in GStreamer's zero-copy pipeline, in
// the lab:
//   dmabuf-lab run --drivers vivid,virtio_gpu -- node bench/c2d-perf.js [threads,strace,perf]
// threads: every thread's CPU (schedstat, ns) and context switches per frame
// over ~6 s of each; strace: `strace -c -f -p` over the same window; perf:
// `perf record -a -g` (cpu-clock: TCG has no PMU) over the window, reported by
// command and by symbol, so kworkers and interrupts show beside the process.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Link } from '@dmabuf/core';
import { openCameraDisplay } from './camera-display-setup.js';

const what = (process.argv[2] ?? 'threads,strace,perf').split(',');
const WINDOW_MS = Number(process.env.C2D_PERF_WINDOW_MS ?? 6000);
const o = { width: 640, height: 480, fps: 60, buffers: Number(process.env.C2D_PERF_BUFFERS ?? 4) };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Every thread of `pid`: name, schedstat run ns, switches. */
function threads(pid) {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const run = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      const st = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const cs = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0);
      out.set(tid, { comm, run, vcs: cs('voluntary_ctxt_switches'), ics: cs('nonvoluntary_ctxt_switches') });
    } catch {
      // a thread that ended meanwhile
    }
  }
  return out;
}

function printThreads(label, a, b, frames) {
  let total = 0;
  for (const [tid, t] of b) {
    const x = a.get(tid) ?? { run: 0, vcs: 0, ics: 0 };
    const d = { run: t.run - x.run, vcs: t.vcs - x.vcs, ics: t.ics - x.ics };
    total += d.run;
    if (d.run === 0 && d.vcs === 0) continue;
    console.log(
      `${label}   ${tid.padEnd(6)} ${t.comm.padEnd(16)} ${(d.run / 1e3 / frames).toFixed(0).padStart(6)} us/frame; switches ${(d.vcs / frames).toFixed(2)} voluntary + ${(d.ics / frames).toFixed(2)} forced per frame`,
    );
  }
  console.log(`${label} total ${(total / 1e3 / frames).toFixed(0)} us/frame over ${frames} frames`);
}

/** A tool (argv) run over the window (stopped with SIGINT): the window's result and the tool's output. */
async function attached(argv, window) {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const exited = new Promise((r) => child.on('exit', r));
  await sleep(300);
  const r = await window();
  child.kill('SIGINT');
  await exited;
  return { r, out };
}

function perfReport(label, data) {
  for (const [sort, lines] of [
    [['--sort', 'comm'], 14],
    [['--sort', 'comm,sym'], 45],
  ]) {
    const r = spawnSync(
      'perf',
      ['report', '-i', data, '--stdio', '--no-children', '-g', 'none', '--percent-limit', '0.7', ...sort],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    const rows = r.stdout.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    const samples = /# Samples: (\S+)/.exec(r.stdout)?.[1];
    console.log(`${label} perf ${sort.join(' ')} (${samples} samples):`);
    for (const l of rows.slice(0, lines)) console.log(`${label}   ${l.slice(0, 150)}`);
    if (r.status !== 0 || rows.length === 0) console.log(`${label} perf report: ${r.stderr.slice(0, 400)}`);
  }
  for (const comm of [
    'dmabuf-link',
    'v4l2src0:src',
    'kworker/u8:1-ev',
    'kworker/u8:2-ev',
    'kworker/u8:0-ev',
  ]) {
    const r = spawnSync(
      'perf',
      [
        'report',
        '-i',
        data,
        '--stdio',
        '--no-children',
        '--comm',
        comm,
        '-G',
        // percentages of this command's samples, not of the whole machine's:
        // with the default (absolute), a thread under 3% of all samples lists nothing
        '--percentage',
        'relative',
        '--percent-limit',
        '3',
        '--sort',
        'sym',
      ],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    const rows = r.stdout.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    console.log(`${label} perf callers in ${comm}:`);
    for (const l of rows.slice(0, 90)) console.log(`${label}   ${l.slice(0, 150)}`);
  }
}

/** The window of one tool over the link: `measure(pid, framesNow)` → frames. */
async function linkWith(kind) {
  const { display, q, bufs, close } = await openCameraDisplay(o);
  try {
    for (const b of bufs) q.attach(b);
    const fbs = bufs.map((b) => display.framebuffer(b));
    await display.show(fbs[0]);
    const link = new Link(q.port(), display.port(fbs), {});
    link.start();
    try {
      while (link.stats.shown < 60 && link.state === 'running') await sleep(100);
      return await measure(
        `link/${kind}`,
        process.pid,
        () => link.stats.shown,
        kind,
        () => link.stats,
      );
    } finally {
      await link.stop();
    }
  } finally {
    await close();
  }
}

async function measure(label, pid, shown, kind, extra) {
  const f0 = shown();
  const t0 = performance.now();
  if (kind === 'threads') {
    const a = threads(pid);
    await sleep(WINDOW_MS);
    const b = threads(pid);
    const n = shown() - f0;
    console.log(
      `${label}: ${n} frames in ${(performance.now() - t0).toFixed(0)} ms ${JSON.stringify(extra?.() ?? {})}`,
    );
    printThreads(label, a, b, n);
  } else if (kind === 'strace') {
    const { r: n, out } = await attached(['strace', '-c', '-f', '-p', String(pid)], async () => {
      const g = shown();
      await sleep(WINDOW_MS);
      return shown() - g;
    });
    console.log(`${label}: ${n} frames under strace`);
    for (const l of out.split('\n').filter((x) => x.trim())) console.log(`${label}   ${l}`);
  } else {
    const data = `/tmp/perf-${label.replace('/', '-')}.data`;
    const { r: n } = await attached(
      ['perf', 'record', '-q', '-a', '-g', '-e', 'cpu-clock', '-F', '1000', '-o', data],
      async () => {
        const g = shown();
        await sleep(WINDOW_MS);
        return shown() - g;
      },
    );
    console.log(`${label}: ${n} frames under perf record -a`);
    perfReport(label, data);
  }
}

/** GStreamer's zero-copy pipeline, frames counted by fpsdisplaysink (-v, every 500 ms). */
async function gstWith(kind) {
  const sink = 'kmssink driver-name=virtio_gpu force-modesetting=true';
  const args = [
    '-v',
    'v4l2src',
    'device=/dev/video0',
    'num-buffers=100000',
    'io-mode=dmabuf-import',
    '!',
    'video/x-raw,format=BGRx,width=640,height=480,framerate=60/1',
    '!',
    'fpsdisplaysink',
    `video-sink="${sink}"`,
    'text-overlay=false',
    'sync=false',
  ];
  const child = spawn('gst-launch-1.0', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let rendered = 0;
  child.stdout.on('data', (d) => {
    for (const m of String(d).matchAll(/rendered: (\d+)/g)) rendered = Number(m[1]);
  });
  const exited = new Promise((r) => child.on('exit', r));
  try {
    while (rendered < 60) {
      if (child.exitCode !== null) throw new Error('gst-launch-1.0 ended early');
      await sleep(100);
    }
    return await measure(`gst/${kind}`, child.pid, () => rendered, kind);
  } finally {
    child.kill('SIGINT');
    await exited;
  }
}

spawnSync('sh', [
  '-c',
  'echo 0 > /proc/sys/kernel/kptr_restrict; echo -1 > /proc/sys/kernel/perf_event_paranoid',
]);
for (const kind of what) {
  await linkWith(kind);
  await gstWith(kind);
}
