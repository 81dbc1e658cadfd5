// Runs inside the lab (bench/run.js starts it): CPU time per page flip of
// @dmabuf/exporter-drm against libdrm's modetest -v and a C loop flipping the
// same mode on the same connector/CRTC, on each display device in turn (vkms
// first: its flips complete on its own vblank timer, so CPU per flip is the
// contenders' own; then virtio-gpu, whose flips wait for QEMU's display), in
// the same boot, in interleaved rounds. Prints one `RESULT {json}` line.
//
// Knobs (run.js passes them from the host): DRM_BENCH_DEVICES (drivers or
// /dev/dri paths, comma-separated; default vkms,virtio_gpu), DRM_BENCH_ROUNDS,
// DRM_BENCH_FLIPS (per measure of a link, modetest and the C loop; a multiple
// of 60), DRM_BENCH_JS_FLIPS (the JavaScript path), DRM_BENCH_KINDS (which
// contenders, comma-separated; default all).
import { DrmDevice, listDrmDevices } from '../dist/index.js';
import { flipLink, jsPath } from './flip-ours.js';
import { cLoop, modetest } from './flip-peers.js';

const env = process.env;
const DEVICES = (env.DRM_BENCH_DEVICES ?? env.DRM_BENCH_DEVICE ?? 'vkms,virtio_gpu')
  .split(',')
  .filter(Boolean);
const ROUNDS = Number(env.DRM_BENCH_ROUNDS ?? 7);
// modetest reports every 60 flips: that is the warm-up of every contender, and the measure a multiple of it
const WARMUP = 60;
const FLIPS = Number(env.DRM_BENCH_FLIPS ?? 300);
const JS_FLIPS = Number(env.DRM_BENCH_JS_FLIPS ?? 120);
const JS_WARMUP = 30;
const BASELINE = new URL('./build/flip-baseline', import.meta.url).pathname;
const ALL = ['link', 'modetest', 'c', 'legacy', 'linkAtomic', 'atomic'];
const KINDS = env.DRM_BENCH_KINDS ? env.DRM_BENCH_KINDS.split(',') : ALL;
for (const k of KINDS) if (!ALL.includes(k)) throw new Error(`DRM_BENCH_KINDS: ${k} is not one of ${ALL}`);
if (!(FLIPS > 0 && FLIPS % WARMUP === 0))
  throw new Error(`DRM_BENCH_FLIPS must be a multiple of 60: ${FLIPS}`);

/** A /dev/dri path, or the primary node of the driver of that name. */
function resolveDevice(d) {
  if (d.startsWith('/')) return d;
  const found = listDrmDevices().find((x) => x.driver === d && x.node === 'primary');
  if (!found) throw new Error(`no DRM device of driver ${d} in the lab (is it in run.js's drivers?)`);
  return found.path;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r3 = (x) => Number(x.toFixed(3));

/** The interleaved rounds on one device (the order reversed every other round). */
async function onDevice(device) {
  const dev = DrmDevice.open(device);
  const driver = dev.driver;
  dev.close();
  const js = { flips: JS_FLIPS, warmup: JS_WARMUP };
  const measure = { flips: FLIPS, warmup: WARMUP };
  // ids and mode for modetest and the C loop (also warms the device up)
  const info = await jsPath(device, true, js);
  // at 60 Hz a measure takes FLIPS / 60 s: modetest gets three times that, and its set-up
  const timeoutMs = 10_000 + (FLIPS + WARMUP) * 50;
  const runs = {
    link: () => flipLink(device, true, measure),
    modetest: () => modetest(driver, info, { flips: FLIPS, timeoutMs }),
    c: () => cLoop(BASELINE, device, info, measure),
    legacy: () => jsPath(device, true, js),
    linkAtomic: () => flipLink(device, false, measure),
    atomic: () => jsPath(device, false, js),
  };
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) {
    const round = {};
    for (const k of i % 2 ? [...KINDS].reverse() : KINDS) round[k] = await runs[k]();
    rounds.push(round);
    const f = (r) => `${r.fps.toFixed(1)} flips/s ${r.cpuUsPerFlip.toFixed(0)} µs/flip`;
    console.log(`${driver} round ${i}: ${KINDS.map((k) => `${k} ${f(round[k])}`).join('; ')}`);
  }
  const has = (...ks) => ks.every((k) => KINDS.includes(k));
  const figures = (k) =>
    has(k)
      ? Object.fromEntries(
          Object.keys(rounds[0][k])
            .filter((f) => typeof rounds[0][k][f] === 'number')
            .map((f) => [f, median(rounds.map((r) => r[k][f]))]),
        )
      : undefined;
  const perRound = (k, base, f) => (has(k, base) ? rounds.map((r) => r3(r[k][f] / r[base][f])) : undefined);
  const ratio = (k, base, f) => (has(k, base) ? median(perRound(k, base, f)) : undefined);
  return {
    device,
    driver,
    info,
    ...Object.fromEntries(KINDS.map((k) => [k, figures(k)])),
    modetestArgs: rounds[0].modetest?.args,
    ratios: {
      linkCpu: ratio('link', 'modetest', 'cpuUsPerFlip'),
      linkFps: ratio('link', 'modetest', 'fps'),
      linkAtomicCpu: ratio('linkAtomic', 'modetest', 'cpuUsPerFlip'),
      jsCpu: ratio('legacy', 'modetest', 'cpuUsPerFlip'),
      jsFps: ratio('legacy', 'modetest', 'fps'),
      linkFpsVsC: ratio('link', 'c', 'fps'),
      linkCpuVsC: ratio('link', 'c', 'cpuUsPerFlip'),
      modetestCpuVsC: ratio('modetest', 'c', 'cpuUsPerFlip'),
    },
    perRound: {
      linkCpu: perRound('link', 'modetest', 'cpuUsPerFlip'),
      linkFps: perRound('link', 'modetest', 'fps'),
      linkCpuVsC: perRound('link', 'c', 'cpuUsPerFlip'),
      jsCpu: perRound('legacy', 'modetest', 'cpuUsPerFlip'),
    },
  };
}

const devices = [];
for (const d of DEVICES) devices.push(await onDevice(resolveDevice(d)));
console.log(
  `RESULT ${JSON.stringify({ devices, rounds: ROUNDS, flips: FLIPS, warmup: WARMUP, jsFlips: JS_FLIPS, kinds: KINDS })}`,
);
