// Runs inside the lab (bench/v4l2-m2m-run.js starts it): camera → vim2m → sink.
// Ours on two links (oursLink: no JavaScript per frame) and the JavaScript path (ours):
// vivid's MMAP buffers exported and imported by vim2m's OUTPUT queue,
// vim2m converting RGB24 → RGB565 into its CAPTURE buffers, the sink taking
// and returning each frame. Baseline: GStreamer, `v4l2src ! v4l2convert !
// fakesink` at the same size and formats on the same nodes, same boot.
// Rounds alternate; prints one `RESULT {json}` line.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { countingSink, Framework, Link } from '@dmabuf/core';
import { udmabufPlugin } from '@dmabuf/exporter-udmabuf';
import { feedFrames, V4l2Device, V4l2M2mDevice, v4l2ExporterPlugin } from '@dmabuf/importer-v4l2';
import { profiled } from './cpu-profile.js';

const FRAMES = Number(process.env.M2M_BENCH_FRAMES ?? 400);
const WARMUP = 30;
const ROUNDS = Number(process.env.M2M_BENCH_ROUNDS ?? 4);
const W = 640;
const H = 360;
const CLK_TCK = 100;

// vim2m waits default_transtime ms per job (40: at most 25 fps) to play a slow device; 1 ms for
// every context opened from now on, ours and GStreamer's alike.
writeFileSync('/sys/module/vim2m/parameters/default_transtime', '1');

function camera() {
  const cam = V4l2Device.find({ driver: 'vivid', queue: 'capture' });
  cam.setControl('osd_text_mode', 2);
  cam.setFormat('capture', { width: W, height: H, pixelformat: 'RGB3' });
  const fastest = cam
    .frameIntervals('RGB3', W, H)
    .map((i) => i.min)
    .sort((a, b) => a.numerator / a.denominator - b.numerator / b.denominator)[0];
  const interval = cam.setFrameInterval('capture', fastest);
  return { cam, interval };
}

async function ours() {
  const fw = await Framework.create({ plugins: [v4l2ExporterPlugin()] });
  const { cam, interval } = camera();
  const conv = V4l2M2mDevice.find({ driver: 'vim2m' });
  conv.configure({
    output: { width: W, height: H, pixelformat: 'RGB3' },
    capture: { width: W, height: H, pixelformat: 'RGBP' },
  });
  const camQ = cam.queue('capture', { memory: 'mmap', count: 4 });
  const bufs = camQ.exportBuffers(fw);
  conv.open('output', { memory: 'dmabuf', count: 4 });
  const cap = conv.open('capture', { memory: 'mmap', count: 4 });
  for (let i = 0; i < cap.count; i++) cap.queue(i);
  for (let i = 0; i < camQ.count; i++) camQ.queue(i);
  camQ.start();
  conv.start();
  let n = 0;
  let t0 = 0;
  let cpu0;
  const stop = new AbortController();
  const feeding = feedFrames(conv, camQ.frames(), { signal: stop.signal, inFlight: 3 }).catch(() => 0);
  for await (const f of cap.frames()) {
    f.requeue(); // the sink: take it, give it back
    n++;
    if (n === WARMUP) {
      cpu0 = process.cpuUsage();
      t0 = performance.now();
    }
    if (n === WARMUP + FRAMES) break;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  stop.abort();
  camQ.stop();
  conv.stop();
  await feeding;
  const paths = { camera: cam.path, m2m: conv.path };
  conv.close();
  camQ.close();
  for (const b of bufs) b.put();
  cam.close();
  await fw.close();
  return { ...paths, interval, fps: (FRAMES * 1000) / ms, cpuUsPerFrame: (cpu.user + cpu.system) / FRAMES };
}

/**
 * The same chain on two links (no JavaScript per frame): vivid's capture queue filling udmabufs
 * that vim2m's OUTPUT queue imports (a V4L2 OUTPUT queue as the first link's sink), vim2m's
 * CAPTURE queue writing into udmabufs handed to a counting sink. CPU and time from the converted
 * frame count (read every 20 ms, WARMUP frames not counted).
 */
async function oursLink() {
  const fw = await Framework.create({ plugins: [udmabufPlugin()] });
  const { cam, interval } = camera();
  const camQ = cam.queue('capture', { count: 4 });
  const conv = V4l2M2mDevice.find({ driver: 'vim2m' });
  const fmts = conv.configure({
    output: { width: W, height: H, pixelformat: 'RGB3' },
    capture: { width: W, height: H, pixelformat: 'RGBP' },
  });
  const out = conv.open('output', { count: 4, memory: 'dmabuf' });
  const cap = conv.open('capture', { count: 4, memory: 'dmabuf' });
  const camBufs = Array.from({ length: 4 }, () =>
    fw.export({ exporter: 'udmabuf', size: camQ.format.planes[0].sizeimage }),
  );
  const capBufs = Array.from({ length: 4 }, () =>
    fw.export({
      exporter: 'udmabuf',
      constraints: cap.constraints(),
      size: fmts.capture.planes[0].sizeimage,
    }),
  );
  for (const b of camBufs) camQ.attach(b);
  for (const b of camBufs) out.attach(b);
  for (const b of capBufs) cap.attach(b);
  const converted = new Link(cap.port(), countingSink()).start();
  const fed = new Link(camQ.port(), out.port()).start();
  const reach = async (n) => {
    while (converted.stats.frames < n) {
      if (converted.state === 'ended') await converted.done;
      if (fed.state === 'ended') await fed.done;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await reach(WARMUP);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const f0 = converted.stats.frames;
  await reach(WARMUP + FRAMES);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const frames = converted.stats.frames - f0;
  await fed.stop();
  await converted.stop();
  const paths = { camera: cam.path, m2m: conv.path };
  out.close();
  cap.close();
  camQ.close();
  conv.close();
  for (const b of [...camBufs, ...capBufs]) b.put();
  cam.close();
  await fw.close();
  return { ...paths, interval, fps: (frames * 1000) / ms, cpuUsPerFrame: (cpu.user + cpu.system) / frames };
}

const CAPS_IN = `video/x-raw,format=RGB,width=${W},height=${H}`;
const CAPS_OUT = `video/x-raw,format=RGB16,width=${W},height=${H}`;

/** One gst-launch run of `count` frames: wall ms and CPU µs (its start-up included). */
function gst(camPath, count, zeroCopy) {
  const pipeline = [
    'v4l2src',
    `device=${camPath}`,
    `num-buffers=${count}`,
    ...(zeroCopy ? ['io-mode=dmabuf'] : []),
    '!',
    CAPS_IN,
    '!',
    'v4l2convert',
    ...(zeroCopy ? ['output-io-mode=dmabuf-import'] : []),
    '!',
    CAPS_OUT,
    '!',
    'fakesink',
  ];
  const script = `gst-launch-1.0 -q ${pipeline.map((a) => `'${a}'`).join(' ')} >/dev/null 2>/tmp/gst.err || exit 1; cat /proc/$$/stat`;
  const t0 = performance.now();
  const r = spawnSync('sh', ['-c', script], {
    encoding: 'utf8',
    env: { ...process.env, GST_REGISTRY: '/tmp/gst-registry.bin' },
  });
  const ms = performance.now() - t0;
  if (r.status !== 0)
    return { error: spawnSync('cat', ['/tmp/gst.err'], { encoding: 'utf8' }).stdout, pipeline };
  const fields = r.stdout.slice(r.stdout.lastIndexOf(')') + 2).split(' ');
  return { ms, cpuUs: ((Number(fields[13]) + Number(fields[14])) * 1e6) / CLK_TCK, pipeline };
}

/** GStreamer's steady state: a WARMUP-frame run subtracted from a WARMUP + FRAMES one. */
function baseline(camPath, zeroCopy) {
  const short = gst(camPath, WARMUP, zeroCopy);
  if (short.error) return short;
  const long = gst(camPath, WARMUP + FRAMES, zeroCopy);
  if (long.error) return long;
  return {
    pipeline: long.pipeline.join(' '),
    fps: (FRAMES * 1000) / (long.ms - short.ms),
    cpuUsPerFrame: (long.cpuUs - short.cpuUs) / FRAMES,
  };
}

// GStreamer's plugin registry is built by its first run (it scans /dev/video* to register
// v4l2convert for vim2m): one throwaway run first, so no measured run pays for it. Zero copy
// (v4l2src exporting, v4l2convert importing) when it negotiates, else GStreamer's defaults (copies).
const probe = camera();
const camPath = probe.cam.path;
probe.cam.close();
const first = gst(camPath, 5, true);
const zeroCopy = !first.error;
if (!zeroCopy) {
  const plain = gst(camPath, 5, false);
  if (plain.error) throw new Error(`gst-launch failed: ${plain.error}\n${plain.pipeline.join(' ')}`);
}
const runs = { ours: [], link: [], baseline: [] };
for (let i = 0; i < ROUNDS; i++) {
  runs.ours.push(await ours());
  runs.link.push(await oursLink());
  const b = baseline(camPath, zeroCopy);
  if (b.error) throw new Error(`gst-launch failed: ${b.error}\n${b.pipeline.join(' ')}`);
  runs.baseline.push(b);
}
// M2M_BENCH_PROFILE=1: one more run of ours under V8's profiler, where its CPU goes printed (not in the figures)
if (process.env.M2M_BENCH_PROFILE === '1') await profiled('m2m profile', () => ours());
console.log(
  `RESULT ${JSON.stringify({
    ours: runs.ours,
    link: runs.link,
    baseline: runs.baseline,
    gstZeroCopy: zeroCopy,
    gstZeroCopyError: first.error ?? null,
    frames: FRAMES,
    format: `${W}x${H} RGB3 → RGBP (RGB565)`,
  })}`,
);
