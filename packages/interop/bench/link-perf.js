// Where a link's CPU goes, against its C baseline (a diagnosis, not a
// benchmark: no figures are written). Runs in the lab:
//   dmabuf-lab run --drivers vgem,vivid,virtio-gpu -- node packages/interop/bench/link-perf.js [capture|flip]
// The flip display is found by driver: LINK_PERF_DEVICE (a driver name or a /dev/dri path;
// default virtio_gpu), passed with --env LINK_PERF_DEVICE=vkms (and vkms in --drivers). The card
// numbers follow the order the modules load in: with vkms loaded, virtio-gpu is card0, not card1.
// Samples each process with perf (cpu-clock: TCG has no PMU) into the
// guest's own /tmp and prints perf report's summaries to stdout.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { countingSink, cyclingSource, Framework, Link } from '@dmabuf/core';
import { Display, DrmDevice, drmExporterPlugin, findDrmDevice } from '@dmabuf/exporter-drm';
import { closeCapture, FORMAT, HEIGHT, openCapture, WIDTH } from './capture-setup.js';

const what = process.argv[2] ?? 'capture';
const FRAMES = 600;
const DEVICE = process.env.LINK_PERF_DEVICE ?? 'virtio_gpu';

/** The display of LINK_PERF_DEVICE: its path, or the primary node of the driver of that name. */
function openDisplayDevice() {
  if (DEVICE.startsWith('/')) return DrmDevice.open(DEVICE);
  return findDrmDevice({ driver: DEVICE, node: 'primary', display: true });
}

/** Every thread of this process: name, CPU ticks (user, system), context switches. */
function threads() {
  const out = new Map();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const st = readFileSync(`/proc/self/task/${tid}/status`, 'utf8');
      const cs = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0);
      out.set(tid, {
        comm,
        user: Number(f[11]),
        system: Number(f[12]),
        vcs: cs('voluntary_ctxt_switches'),
        ics: cs('nonvoluntary_ctxt_switches'),
      });
    } catch {
      // a thread that ended meanwhile
    }
  }
  return out;
}

/**
 * Per-thread CPU ticks and context switches per frame while the link runs:
 * `run(onStats)` passes onStats to its link, which snapshots every thread at
 * the 60th and at the (FRAMES - 60)th shown frame (the link's own thread ends with it).
 */
async function perThread(label, run) {
  const marks = [];
  const r = await run((s) => {
    if ((marks.length === 0 && s.shown >= 60) || (marks.length === 1 && s.shown >= FRAMES - 60))
      marks.push({ shown: s.shown, threads: threads() });
  });
  console.log(`${label} per thread: ${JSON.stringify(r)}`);
  if (marks.length < 2) return console.log(`${label} per thread: too few stats events`);
  const [{ threads: a }, { threads: b }] = marks;
  const n = marks[1].shown - marks[0].shown;
  console.log(`${label} per thread over ${n} frames (${marks[0].shown} to ${marks[1].shown}):`);
  for (const [tid, t] of b) {
    const o = a.get(tid) ?? { user: 0, system: 0, vcs: 0, ics: 0 };
    const d = { user: t.user - o.user, system: t.system - o.system, vcs: t.vcs - o.vcs, ics: t.ics - o.ics };
    if (d.user + d.system + d.vcs + d.ics === 0) continue;
    console.log(
      `${label}   ${tid.padEnd(6)} ${t.comm.padEnd(16)} user ${d.user} system ${d.system} ticks; switches ${(d.vcs / n).toFixed(2)} voluntary + ${(d.ics / n).toFixed(2)} forced per frame`,
    );
  }
}

/** perf record of `pid` while `run()` runs; then the report's top lines, by dso and by symbol. */
async function sampled(label, pid, run) {
  const data = `/tmp/perf-${label}.data`;
  const rec = spawn(
    'perf',
    ['record', '-q', '-e', 'cpu-clock', '-F', '2000', '-g', '-p', String(pid), '-o', data],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  await new Promise((r) => setTimeout(r, 500));
  const before = times(pid);
  const r = await run();
  const after = times(pid);
  rec.kill('SIGINT');
  await new Promise((res) => rec.on('exit', res));
  console.log(
    `${label}: ${JSON.stringify(r)}; /proc stat over the run: user ${after.user - before.user} ticks, system ${after.system - before.system} ticks`,
  );
  report(label, data, ['--sort', 'comm,dso'], 16);
  report(label, data, ['--sort', 'dso,sym'], 40);
}

function report(label, data, sort, lines) {
  const r = spawnSync(
    'perf',
    ['report', '-i', data, '--stdio', '--no-children', '-g', 'none', '--percent-limit', '0.5', ...sort],
    {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    },
  );
  const rows = r.stdout.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  const samples = /# Samples: (\S+)/.exec(r.stdout)?.[1];
  console.log(`${label} perf report ${sort.join(' ')} (${samples} samples):`);
  for (const l of rows.slice(0, lines)) console.log(`${label}   ${l.slice(0, 160)}`);
  if (r.status !== 0 || rows.length === 0) console.log(`${label} perf report: ${r.stderr.slice(0, 500)}`);
}

function times(pid) {
  const s = spawnSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' }).stdout;
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]), system: Number(f[12]) };
}

/** A capture link into a counting sink: vivid's queue importing udmabufs ('dmabuf') or its own buffers ('mmap'). */
async function captureLink(onStats, memory = 'dmabuf') {
  const c = await openCapture(memory, 4);
  const { q, bufs } = c;
  for (const b of bufs) q.attach(b);
  const stats = onStats ? { onStats, statsEveryFrames: 20 } : {};
  const link = new Link(q.port(), countingSink(), { frames: FRAMES, ...stats });
  const cpu0 = process.cpuUsage();
  link.start();
  const s = await link.done;
  const cpu = process.cpuUsage(cpu0);
  const path = await closeCapture(c);
  return {
    path,
    frames: s.frames,
    skipped: s.skipped,
    fps: s.fps,
    userUs: cpu.user / s.frames,
    systemUs: cpu.system / s.frames,
  };
}

async function flipLink(legacy, onStats) {
  const dev = openDisplayDevice();
  const fw = await Framework.create({ plugins: [drmExporterPlugin({ device: dev })] });
  const display = Display.open(dev, { legacy });
  const bufs = [0, 1].map(() => fw.export({ width: display.width, height: display.height, format: 'XR24' }));
  const fbs = bufs.map((b) => display.framebuffer(b));
  await display.show(fbs[0]);
  const stats = onStats ? { onStats, statsEveryFrames: 20 } : {};
  const link = new Link(cyclingSource(bufs), display.port(fbs), { frames: FRAMES, ...stats });
  const cpu0 = process.cpuUsage();
  link.start();
  const s = await link.done;
  const cpu = process.cpuUsage(cpu0);
  const info = {
    driver: dev.driver,
    connector: display.connectorId,
    crtc: display.crtcId,
    mode: display.mode.name,
  };
  display.close();
  for (const b of bufs) b.put();
  await fw.close();
  dev.close();
  return { ...info, flips: s.shown, fps: s.fps, userUs: cpu.user / s.shown, systemUs: cpu.system / s.shown };
}

/** A child under perf from its start: its own report. */
function perfChild(label, argv) {
  const data = `/tmp/perf-${label}.data`;
  const t0 = performance.now();
  const r = spawnSync(
    'perf',
    ['record', '-q', '-e', 'cpu-clock', '-F', '2000', '-g', '-o', data, '--', ...argv],
    {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      input: '',
      timeout: 30_000,
    },
  );
  console.log(
    `${label}: ${argv.join(' ')} exit ${r.status} in ${(performance.now() - t0).toFixed(0)} ms; ${r.stdout.split('\n').filter(Boolean).slice(-2).join(' | ')}`,
  );
  report(label, data, ['--sort', 'dso'], 12);
  report(label, data, ['--sort', 'dso,sym'], 40);
}

spawnSync('sh', [
  '-c',
  'echo 0 > /proc/sys/kernel/kptr_restrict; echo -1 > /proc/sys/kernel/perf_event_paranoid',
]);
if (what === 'capture') {
  const info = await captureLink(); // warm
  await sampled('capture-link', process.pid, captureLink);
  const v4l2ctl = [
    'v4l2-ctl',
    '-d',
    info.path,
    `--set-fmt-video=width=${WIDTH},height=${HEIGHT},pixelformat=${FORMAT}`,
    '--stream-mmap=4',
    `--stream-count=${FRAMES}`,
    '--stream-to=/dev/null',
  ];
  perfChild('v4l2-ctl', v4l2ctl);
  await perThread('capture-link', captureLink);
  await perThread('capture-link-mmap', (onStats) => captureLink(onStats, 'mmap'));
  // (strace -c -f -p of a running link: epoll_wait, DQBUF and QBUF per frame, as v4l2-ctl)
} else {
  const info = await flipLink(true);
  await sampled('flip-link', process.pid, () => flipLink(true));
  await perThread('flip-link', (onStats) => flipLink(true, onStats));
  // modetest -v flips until a line on stdin: give it ~4 s
  perfChild('modetest', [
    'sh',
    '-c',
    `(sleep 4; echo) | modetest -M ${info.driver} -s ${info.connector}@${info.crtc}:${info.mode} -v >/dev/null`,
  ]);
}
