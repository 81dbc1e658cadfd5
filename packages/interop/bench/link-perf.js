// Where a link's CPU goes, against its C baseline (a diagnosis, not a
// benchmark: no figures are written). Runs in the lab:
//   dmabuf-lab run --drivers vgem,vivid,virtio-gpu -- node packages/interop/bench/link-perf.js [capture|flip]
// Samples each process with perf (cpu-clock: TCG has no PMU) into the
// guest's own /tmp and prints perf report's summaries to stdout.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { countingSink, cyclingSource, Framework, Link } from '@dmabuf/core';
import { Display, DrmDevice, drmExporterPlugin } from '@dmabuf/exporter-drm';
import { udmabufPlugin } from '@dmabuf/exporter-udmabuf';
import { V4l2Device } from '@dmabuf/importer-v4l2';

const what = process.argv[2] ?? 'capture';
const FRAMES = 600;

/** perf record of `pid` while `run()` runs; then the report's top lines, by dso and by symbol. */
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

/** Per-thread CPU ticks and context switches over `run()`, per frame. */
async function perThread(label, run) {
  const a = threads();
  const r = await run();
  const b = threads();
  const n = r.frames ?? r.flips;
  console.log(`${label} per thread over ${n} frames: ${JSON.stringify(r)}`);
  for (const [tid, t] of b) {
    const o = a.get(tid) ?? { user: 0, system: 0, vcs: 0, ics: 0 };
    const d = { user: t.user - o.user, system: t.system - o.system, vcs: t.vcs - o.vcs, ics: t.ics - o.ics };
    if (d.user + d.system + d.vcs + d.ics === 0) continue;
    console.log(
      `${label}   ${t.comm.padEnd(16)} user ${d.user} system ${d.system} ticks; switches ${(d.vcs / n).toFixed(2)} voluntary + ${(d.ics / n).toFixed(2)} forced per frame`,
    );
  }
}

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

async function captureLink() {
  const fw = await Framework.create({ plugins: [udmabufPlugin()] });
  const dev = V4l2Device.find({ driver: 'vivid', queue: 'capture' });
  dev.setControl('osd_text_mode', 2);
  dev.setFormat('capture', { width: 640, height: 360, pixelformat: 'YUYV' });
  dev.setFrameInterval('capture', { numerator: 1, denominator: 120 });
  const q = dev.queue('capture', { count: 4 });
  const bufs = Array.from({ length: 4 }, () =>
    fw.export({ exporter: 'udmabuf', size: q.format.planes[0].sizeimage }),
  );
  for (const b of bufs) q.attach(b);
  const link = new Link(q.port(), countingSink(), { frames: FRAMES });
  const cpu0 = process.cpuUsage();
  link.start();
  const s = await link.done;
  const cpu = process.cpuUsage(cpu0);
  q.close();
  for (const b of bufs) b.put();
  const path = dev.path;
  dev.close();
  await fw.close();
  return {
    path,
    frames: s.frames,
    skipped: s.skipped,
    fps: s.fps,
    userUs: cpu.user / s.frames,
    systemUs: cpu.system / s.frames,
  };
}

async function flipLink(legacy) {
  const dev = DrmDevice.open('/dev/dri/card1');
  const fw = await Framework.create({ plugins: [drmExporterPlugin({ device: dev })] });
  const display = Display.open(dev, { legacy });
  const bufs = [0, 1].map(() => fw.export({ width: display.width, height: display.height, format: 'XR24' }));
  const fbs = bufs.map((b) => display.framebuffer(b));
  await display.show(fbs[0]);
  const link = new Link(cyclingSource(bufs), display.port(fbs), { frames: FRAMES });
  const cpu0 = process.cpuUsage();
  link.start();
  const s = await link.done;
  const cpu = process.cpuUsage(cpu0);
  const info = { connector: display.connectorId, crtc: display.crtcId, mode: display.mode.name };
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
    '--set-fmt-video=width=640,height=360,pixelformat=YUYV',
    '--stream-mmap=4',
    `--stream-count=${FRAMES}`,
    '--stream-to=/dev/null',
  ];
  perfChild('v4l2-ctl', v4l2ctl);
  await perThread('capture-link', captureLink);
  // (strace -p of a running link: the process ended silently, link.done never settled; not used)
} else {
  const info = await flipLink(true);
  await sampled('flip-link', process.pid, () => flipLink(true));
  // modetest -v flips until a line on stdin: give it ~4 s
  perfChild('modetest', [
    'sh',
    '-c',
    `(sleep 4; echo) | modetest -M virtio_gpu -s ${info.connector}@${info.crtc}:${info.mode} -v >/dev/null`,
  ]);
}
