// Runs inside the lab (bench/run.js starts it): the camera-to-display pipeline,
// zero-copy and the copy path in alternating rounds, same boot, same camera and
// display; prints one RESULT line for the host.
import { spawnSync } from 'node:child_process';
import { runPipeline } from '../dist/camera-display/pipeline.js';

const ROUNDS = 3;
const FRAMES = 45;
const base = { width: 640, height: 480, buffers: 4, frames: FRAMES, fps: 60 }; // the rate GStreamer is given
const zero = [];
const copy = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const forced of round % 2 ? [true, false] : [false, true]) {
    const r = await runPipeline({ ...base, copy: forced });
    (forced ? copy : zero).push(r);
    console.log(
      `round ${round + 1} ${r.path}: ${r.fps} fps, CPU ${r.cpuMsPerFrame} ms/frame, ${r.skipped} skipped`,
    );
  }
}
// GStreamer doing the same zero-copy pipeline: v4l2src imports kmssink's dumb
// buffers (io-mode=dmabuf-import), kmssink sets the mode and flips. Its CPU
// and time per frame come from two runs of different lengths (the difference
// removes start-up: plugin loading, negotiation, modeset).
const CLK_TCK = 100;
function gst(frames) {
  const pipeline =
    `gst-launch-1.0 -q v4l2src device=/dev/video0 num-buffers=${frames} io-mode=dmabuf-import ` +
    '! video/x-raw,format=BGRx,width=640,height=480,framerate=60/1 ' +
    '! kmssink driver-name=virtio_gpu force-modesetting=true sync=false';
  const t0 = performance.now();
  const r = spawnSync('sh', ['-c', `${pipeline} >/dev/null 2>&1 || exit 1; cat /proc/$$/stat`], {
    encoding: 'utf8',
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`gst-launch-1.0 failed (exit ${r.status}): ${pipeline}`);
  const f = r.stdout.slice(r.stdout.lastIndexOf(')') + 2).split(' ');
  // after the comm field: cutime and cstime are fields 16 and 17, i.e. indexes 13 and 14 here
  return { ms, cpuMs: ((Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK };
}
gst(10); // plugin registry and caches
const GST_SHORT = 30;
const GST_LONG = 300;
const gstRounds = [];
for (let round = 0; round < ROUNDS; round++) {
  const a = gst(GST_SHORT);
  const b = gst(GST_LONG);
  const n = GST_LONG - GST_SHORT;
  gstRounds.push({ fps: n / ((b.ms - a.ms) / 1000), cpu: (b.cpuMs - a.cpuMs) / n });
  console.log(
    `round ${round + 1} gstreamer: ${gstRounds.at(-1).fps.toFixed(1)} fps, CPU ${gstRounds.at(-1).cpu.toFixed(3)} ms/frame`,
  );
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `RESULT ${JSON.stringify({
    zero: { cpu: zero.map((r) => r.cpuMsPerFrame), fps: zero.map((r) => r.fps), path: zero[0].path },
    copy: { cpu: copy.map((r) => r.cpuMsPerFrame), fps: copy.map((r) => r.fps) },
    ratio: median(zero.map((r, i) => r.cpuMsPerFrame / copy[i].cpuMsPerFrame)),
    gst: { cpu: gstRounds.map((r) => r.cpu), fps: gstRounds.map((r) => r.fps) },
    frames: FRAMES,
  })}`,
);
