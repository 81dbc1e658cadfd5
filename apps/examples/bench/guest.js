// Runs inside the lab (bench/run.js starts it): the camera-to-display pipeline
// (the YUYV conversion path, zero-copy, the copy path) and GStreamer doing the
// same, in interleaved rounds, same boot, same camera and display; prints one
// RESULT line for the host.
import { spawnSync } from 'node:child_process';
import { runPipeline } from '../dist/camera-display/pipeline.js';

// `node guest.js convert` runs only the conversion comparison (more rounds: it is the one with a target).
const ONLY_CONVERT = process.argv[2] === 'convert';
const ROUNDS = ONLY_CONVERT ? 5 : 3;
const FRAMES = 45;
const base = { width: 640, height: 480, buffers: 4, frames: FRAMES, fps: 60 }; // the rate GStreamer is given

// GStreamer doing the same pipelines. Zero-copy: v4l2src imports kmssink's
// dumb buffers (io-mode=dmabuf-import), kmssink sets the mode and flips.
// Conversion: a YUYV camera, videoconvert to BGRx (XR24), kmssink.
// Its CPU and time per frame come from two runs of different lengths (the
// difference removes start-up: plugin loading, negotiation, modeset).
const CLK_TCK = 100;
const GST_ZERO =
  'io-mode=dmabuf-import ! video/x-raw,format=BGRx,width=640,height=480,framerate=60/1 ' +
  '! kmssink driver-name=virtio_gpu force-modesetting=true sync=false';
const GST_CONVERT =
  '! video/x-raw,format=YUY2,width=640,height=480,framerate=60/1 ! videoconvert ! video/x-raw,format=BGRx ' +
  '! kmssink driver-name=virtio_gpu force-modesetting=true can-scale=false sync=false';
function gst(frames, tail) {
  const pipeline = `gst-launch-1.0 -q v4l2src device=/dev/video0 num-buffers=${frames} ${tail}`;
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
const GST_SHORT = 30;
const GST_LONG = 300;
function gstRound(tail) {
  const a = gst(GST_SHORT, tail);
  const b = gst(GST_LONG, tail);
  const n = GST_LONG - GST_SHORT;
  return { fps: n / ((b.ms - a.ms) / 1000), cpuMsPerFrame: (b.cpuMs - a.cpuMs) / n, path: 'gstreamer' };
}

const runs = {
  convert: () => runPipeline({ ...base, copy: false, format: 'YUYV' }),
  gstConvert: async () => gstRound(GST_CONVERT),
  zero: () => runPipeline({ ...base, copy: false }),
  gstZero: async () => gstRound(GST_ZERO),
  copy: () => runPipeline({ ...base, copy: true }),
};
const results = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
gst(10, GST_ZERO); // plugin registry and caches
// Interleaved in one boot: ours, gst, ours, gst… with the order flipped every
// other round, so slow phases of the (shared, noisy) host hit both sides alike.
const kinds = ONLY_CONVERT ? ['convert', 'gstConvert'] : ['convert', 'gstConvert', 'zero', 'gstZero', 'copy'];
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of round % 2 ? [...kinds].reverse() : kinds) {
    const r = await runs[kind]();
    results[kind].push(r);
    console.log(
      `round ${round + 1} ${kind} (${r.path}${r.format ? `, ${r.format}` : ''}): ${r.fps.toFixed(1)} fps, CPU ${r.cpuMsPerFrame.toFixed(3)} ms/frame`,
    );
  }
}
const { zero, copy, convert: conv, gstZero, gstConvert: gstConv } = results;
const cpuOf = (rs) => rs.map((r) => r.cpuMsPerFrame);
const fpsOf = (rs) => rs.map((r) => r.fps);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `RESULT ${JSON.stringify({
    zero: { cpu: zero.map((r) => r.cpuMsPerFrame), fps: zero.map((r) => r.fps), path: zero[0]?.path },
    copy: { cpu: copy.map((r) => r.cpuMsPerFrame), fps: copy.map((r) => r.fps) },
    ratio: zero.length ? median(zero.map((r, i) => r.cpuMsPerFrame / copy[i].cpuMsPerFrame)) : null,
    gst: { cpu: cpuOf(gstZero), fps: fpsOf(gstZero) },
    convert: { cpu: conv.map((r) => r.cpuMsPerFrame), fps: conv.map((r) => r.fps), path: conv[0].path },
    gstConvert: { cpu: cpuOf(gstConv), fps: fpsOf(gstConv) },
    // each round's pair ran back to back (interleaved), so the per-round ratio compares like with like
    convertRatios: conv.map((r, i) => Number((r.cpuMsPerFrame / gstConv[i].cpuMsPerFrame).toFixed(3))),
    convertRatio: median(conv.map((r, i) => r.cpuMsPerFrame / gstConv[i].cpuMsPerFrame)),
    interleaved: kinds.join(' ⇄ '),
    frames: FRAMES,
  })}`,
);
