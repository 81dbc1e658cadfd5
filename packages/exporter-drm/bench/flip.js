// Runs inside the lab (bench/run.js starts it): page-flip rate and CPU time
// per flip of @dmabuf/exporter-drm against libdrm's modetest flipping the
// same mode on the same connector/CRTC, in the same boot: a flip link (two
// framebuffers alternated by core's link engine, no JavaScript per flip) and
// the JavaScript path (await display.flip() per flip). Prints one
// `RESULT {json}` line.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cyclingSource, Framework, Link } from '@dmabuf/core';
import { linkMeter } from '@dmabuf/core/testing';
import { Display, DrmDevice, drmExporterPlugin, readKms, refreshOf } from '../dist/index.js';

const DEVICE = process.env.DRM_BENCH_DEVICE ?? '/dev/dri/card1';
const FLIPS = Number(process.env.DRM_BENCH_FLIPS ?? 200);
// the link's flips cost less CPU each: more of them, so that the 10 ms ticks and the noise weigh less
const LINK_WARMUP = 60;
const LINK_FLIPS = Number(process.env.DRM_BENCH_LINK_FLIPS ?? 600);
const MODETEST_SECONDS = Number(process.env.DRM_BENCH_MODETEST_SECONDS ?? 4);
const CLK_TCK = 100;

/** A display showing the first of two full-screen XR24 buffers (blue, red). */
async function twoBuffers(legacy) {
  const dev = DrmDevice.open(DEVICE);
  const fw = await Framework.create({ plugins: [drmExporterPlugin({ device: dev })] });
  const display = Display.open(dev, { legacy });
  const bufs = [0, 1].map(() => fw.export({ width: display.width, height: display.height, format: 'XR24' }));
  bufs.forEach((b, i) => {
    const a = b.cpuAccess('write');
    new Uint32Array(a.arrayBuffer).fill(i ? 0x00ff0000 : 0x000000ff);
    a.end();
  });
  const fbs = bufs.map((b) => display.framebuffer(b));
  await display.show(fbs[0]);
  return {
    dev,
    display,
    bufs,
    fbs,
    async close() {
      display.close();
      for (const b of bufs) b.put();
      await fw.close();
      dev.close();
    },
  };
}

/** The JavaScript path: await display.flip() for every flip. */
async function ours(legacy) {
  const s = await twoBuffers(legacy);
  const { dev, display, fbs } = s;
  for (let i = 0; i < 30; i++) await display.flip(fbs[(i + 1) % 2]);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < FLIPS; i++) await display.flip(fbs[i % 2]);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const modes = readKms(dev, { planes: false }).connectors.find((c) => c.id === display.connectorId).modes;
  const index = modes.findIndex((m) => JSON.stringify(m) === JSON.stringify(display.mode));
  const info = {
    connectorId: display.connectorId,
    crtcId: display.crtcId,
    mode: `${display.width}x${display.height}@${refreshOf(display.mode)}`,
    // modetest takes the first mode of that name: the same one when ours is the first of its name.
    modeIndex: index,
    modetestMode: display.mode.name,
    sameMode: index === modes.findIndex((m) => m.name === display.mode.name),
    fps: (FLIPS * 1000) / ms,
    cpuUsPerFlip: (cpu.user + cpu.system) / FLIPS,
  };
  await s.close();
  return info;
}

/** A flip link: cyclingSource(two buffers) → display.port(framebuffers), flips from libuv callbacks in native code. */
async function oursLink(legacy) {
  const s = await twoBuffers(legacy);
  const meter = linkMeter({ warmup: LINK_WARMUP, frames: LINK_FLIPS });
  const link = new Link(cyclingSource(s.bufs), s.display.port(s.fbs), meter.options);
  meter.watch(link.done);
  link.start();
  const m = await meter.measured;
  await link.stop();
  await s.close();
  return {
    fps: m.fps,
    cpuUsPerFlip: m.cpuUsPerFrame,
    userUsPerFlip: m.userUsPerFrame,
    systemUsPerFlip: m.systemUsPerFrame,
    linkFps: m.stats.fps,
  };
}

const BASELINE = new URL('./build/flip-baseline', import.meta.url).pathname;

/** The same loop in C (bench/flip-baseline.c, compiled by run.js on the host). */
function cLoop(info) {
  return new Promise((resolve, reject) => {
    const args = [
      DEVICE,
      String(info.crtcId),
      String(info.connectorId),
      String(info.modeIndex),
      String(FLIPS),
    ];
    const child = spawn(BASELINE, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const m = /C: ([\d.]+) flips\/s, ([\d.]+) us CPU\/flip/.exec(out);
      if (code !== 0 || !m)
        return reject(new Error(`flip-baseline ${args.join(' ')} failed (exit ${code}): ${out}`));
      resolve({ fps: Number(m[1]), cpuUsPerFlip: Number(m[2]) });
    });
  });
}

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

/** modetest -v flips forever, printing `freq: N.NNHz` every 60 flips; it stops on a line on stdin. */
function modetest(driver, connectorId, crtcId, mode) {
  return new Promise((resolve, reject) => {
    const args = ['-M', driver, '-s', `${connectorId}@${crtcId}:${mode}`, '-v'];
    const child = spawn('modetest', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const freqs = [];
    const marks = [];
    let out = '';
    const onData = (d) => {
      out += d;
      for (const m of String(d).matchAll(/freq: ([\d.]+)Hz/g)) {
        freqs.push(Number(m[1]));
        marks.push({ t: performance.now(), ticks: cpuTicks(child.pid) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    const timer = setTimeout(() => child.stdin.write('\n'), MODETEST_SECONDS * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      // The first window includes set-up; measure from the first mark to the last.
      if (marks.length < 3)
        return reject(
          new Error(
            `modetest ${args.join(' ')} gave too few freq lines (exit ${code}):\n${out.slice(-2000)}`,
          ),
        );
      const first = marks[0];
      const last = marks[marks.length - 1];
      const flips = 60 * (marks.length - 1);
      resolve({
        args: args.join(' '),
        fps: (flips * 1000) / (last.t - first.t),
        cpuUsPerFlip: (((last.ticks - first.ticks) / CLK_TCK) * 1e6) / flips,
        setup: out
          .split('\n')
          .filter((l) => /setting mode|^\d+ /.test(l))
          .slice(0, 3)
          .join(' | '),
      });
    });
  });
}

// The lab's CPUs are shared with the host's other work: interleave rounds
// (the link, modetest, the JS path, the atomic link and JS path, the C loop;
// the order reversed every other round) and report medians; the ratios are
// the medians of the rounds' ratios.
const ROUNDS = Number(process.env.DRM_BENCH_ROUNDS ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const driver = DrmDevice.open(DEVICE);
const name = driver.driver;
driver.close();
const info = await ours(true); // ids and mode for modetest and the C loop (also warms the device up)
const runs = {
  link: () => oursLink(true),
  modetest: () => modetest(name, info.connectorId, info.crtcId, info.modetestMode),
  legacy: () => ours(true),
  linkAtomic: () => oursLink(false),
  atomic: () => ours(false),
  c: () => cLoop(info),
};
const kinds = Object.keys(runs);
const rounds = [];
for (let i = 0; i < ROUNDS; i++) {
  const round = {};
  for (const k of i % 2 ? [...kinds].reverse() : kinds) round[k] = await runs[k]();
  rounds.push(round);
  const f = (r) => `${r.fps.toFixed(1)} flips/s ${r.cpuUsPerFlip.toFixed(0)} µs/flip`;
  console.log(`round ${i}: ${kinds.map((k) => `${k} ${f(round[k])}`).join('; ')}`);
}
const pick = (k, f) => median(rounds.map((r) => r[k][f]));
const ratio = (k, base, f) => median(rounds.map((r) => r[k][f] / r[base][f]));
const perRound = (k, base, f) => rounds.map((r) => Number((r[k][f] / r[base][f]).toFixed(3)));
const figures = (k) => ({ fps: pick(k, 'fps'), cpuUsPerFlip: pick(k, 'cpuUsPerFlip') });
const result = {
  info,
  link: {
    ...figures('link'),
    userUsPerFlip: pick('link', 'userUsPerFlip'),
    systemUsPerFlip: pick('link', 'systemUsPerFlip'),
  },
  linkAtomic: figures('linkAtomic'),
  legacy: figures('legacy'),
  atomic: figures('atomic'),
  c: figures('c'),
  modetest: { args: rounds[0].modetest.args, setup: rounds[0].modetest.setup, ...figures('modetest') },
  ratios: {
    linkCpu: ratio('link', 'modetest', 'cpuUsPerFlip'),
    linkFps: ratio('link', 'modetest', 'fps'),
    linkAtomicCpu: ratio('linkAtomic', 'modetest', 'cpuUsPerFlip'),
    jsCpu: ratio('legacy', 'modetest', 'cpuUsPerFlip'),
    jsFps: ratio('legacy', 'modetest', 'fps'),
    linkFpsVsC: ratio('link', 'c', 'fps'),
    linkCpuVsC: ratio('link', 'c', 'cpuUsPerFlip'),
  },
  perRound: {
    linkCpu: perRound('link', 'modetest', 'cpuUsPerFlip'),
    linkFps: perRound('link', 'modetest', 'fps'),
    jsCpu: perRound('legacy', 'modetest', 'cpuUsPerFlip'),
  },
  rounds: ROUNDS,
  order: kinds.join(' ⇄ '),
};
console.log(`RESULT ${JSON.stringify(result)}`);
