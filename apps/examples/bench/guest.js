// Runs inside the lab (bench/run.js starts it): the camera-to-display pipeline,
// zero-copy and the copy path in alternating rounds, same boot, same camera and
// display; prints one RESULT line for the host.
import { runPipeline } from '../dist/camera-display/pipeline.js';

const ROUNDS = 3;
const FRAMES = 45;
const base = { width: 640, height: 480, buffers: 4, frames: FRAMES };
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
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `RESULT ${JSON.stringify({
    zero: { cpu: zero.map((r) => r.cpuMsPerFrame), fps: zero.map((r) => r.fps), path: zero[0].path },
    copy: { cpu: copy.map((r) => r.cpuMsPerFrame), fps: copy.map((r) => r.fps) },
    ratio: median(zero.map((r, i) => r.cpuMsPerFrame / copy[i].cpuMsPerFrame)),
    frames: FRAMES,
  })}`,
);
