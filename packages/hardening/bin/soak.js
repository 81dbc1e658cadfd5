#!/usr/bin/env node
// Soak (issue 15): N cycles of one operation per phase, sampling open fds, /proc/self/maps lines,
// V8 heap and RSS; prints the slope per 1,000 cycles after a warm-up (least squares). No timing
// assertion: the figures are for docs/reliability.md. A phase whose device is missing says so.
//   node bin/soak.js [--cycles 10000] [--phases memfd,channel,udmabuf,heap,drm,v4l2,flip,camera-display]
//     [--samples 50] [--yield N] [--rows]
// Phases: export → release per exporter (memfd test exporter, udmabuf, heap, drm = vgem), channel
// send/receive, and on real devices (the lab) a V4L2 stream (vivid → udmabufs: one frame a cycle),
// page flips (the KMS display: one flip a cycle) and camera → display (one frame shown a cycle).
// A leading `--` is dropped: `pnpm soak -- --phases memfd` and `pnpm soak:lab -- …` pass it on.
import { parseArgs } from 'node:util';
import { BufferChannel, Framework, plainDevice } from '@dmabuf/core';
import { memfdExporterPlugin } from '@dmabuf/core/testing';
import { cameraToDisplay, pageFlips, v4l2Stream } from '../src/soak/device-phases.js';
import { soaker } from '../src/soak/sampler.js';

const args = process.argv.slice(2);
if (args[0] === '--') args.shift();
const { values } = parseArgs({
  args,
  options: {
    cycles: { type: 'string', default: '10000' },
    phases: { type: 'string', default: 'memfd,channel,udmabuf,heap,drm' },
    samples: { type: 'string', default: '50' },
    // turn the event loop every N cycles (0: never): finalizers of external ArrayBuffers run from it
    yield: { type: 'string', default: '0' },
    // print every sample (SOAK-ROW lines: fds, maps, heap, external, anonymous memory, RSS)
    rows: { type: 'boolean', default: false },
  },
});
const CYCLES = Number(values.cycles);
const SAMPLES = Number(values.samples);
const YIELD = Number(values.yield);

const soak = soaker({ cycles: CYCLES, samples: SAMPLES, yieldEvery: YIELD, rows: values.rows });

/** export → attach → map → CPU write → unmap → detach → release, on one framework. */
function lifecycle(fw, exporter, size) {
  const dev = plainDevice('soak');
  return () => {
    const buf = fw.export(exporter ? { exporter, size } : { size });
    const att = buf.attach(dev);
    const map = att.map('to-device');
    const cpu = buf.cpuAccess('write');
    try {
      cpu.bytes[0] = 1;
    } finally {
      cpu.end();
    }
    map.unmap();
    att.detach();
    buf.put();
  };
}

async function plugin(name) {
  try {
    if (name === 'udmabuf') return (await import('@dmabuf/exporter-udmabuf')).udmabufPlugin();
    if (name === 'heap') return (await import('@dmabuf/exporter-heap')).heapPlugin();
    if (name === 'drm') {
      const drm = await import('@dmabuf/exporter-drm');
      return drm.drmExporterPlugin({ device: drm.findDrmDevice({ driver: 'vgem' }) });
    }
  } catch (e) {
    return e;
  }
}

/** Phases on real devices: each returns its result, or why it could not run. */
const DEVICE_PHASES = { v4l2: v4l2Stream, flip: pageFlips, 'camera-display': cameraToDisplay };

const results = [];
for (const phase of String(values.phases).split(',')) {
  if (phase in DEVICE_PHASES) {
    const r = await DEVICE_PHASES[phase](soak);
    if (typeof r === 'string') console.log(`SOAK-SKIPPED ${phase}: ${r}`);
    else results.push(r);
  } else if (phase === 'memfd') {
    const p = memfdExporterPlugin();
    const fw = await Framework.create({ plugins: [p] });
    const cycle = lifecycle(fw, undefined, 65536);
    // the test exporter logs every hook call (for the order tests): cleared, so the figures are the core's
    results.push(
      await soak('export→release (memfd test exporter)', () => {
        cycle();
        p.exporter.calls.length = 0;
      }),
    );
    await fw.close();
  } else if (phase === 'channel') {
    const p1 = memfdExporterPlugin();
    const fw = await Framework.create({ plugins: [p1] });
    const [a, b] = BufferChannel.pair({ framework: fw });
    const buf = fw.export({ size: 65536 });
    const p2 = memfdExporterPlugin();
    const fw2 = await Framework.create({ plugins: [p2] });
    const [c, d] = BufferChannel.pair({ framework: fw2 });
    // a → b within fw would hand back the same object: pass it on to a second framework too
    results.push(
      await soak('channel send → receive', async () => {
        await a.send(buf);
        const m = await b.receive({ timeoutMs: 5000 });
        await c.send(m.buffer);
        m.buffer.put();
        const n = await d.receive({ timeoutMs: 5000 });
        n.buffer.put();
        p1.exporter.calls.length = 0;
        p2.exporter.calls.length = 0;
      }),
    );
    for (const p of [a, b, c, d]) p.close();
    buf.put();
    await fw2.close();
    await fw.close();
  } else {
    const p = await plugin(phase);
    if (!p || p instanceof Error) {
      console.log(`SOAK-SKIPPED ${phase}: ${p instanceof Error ? p.message : 'unknown phase'}`);
      continue;
    }
    let fw;
    try {
      fw = await Framework.create({ plugins: [p] });
      fw.export({ exporter: p.exporter.name, size: 65536 }).put(); // the device is there?
    } catch (e) {
      console.log(`SOAK-SKIPPED ${phase}: ${e.message}`);
      await fw?.close();
      continue;
    }
    results.push(await soak(`export→release (${phase})`, lifecycle(fw, p.exporter.name, 65536)));
    await fw.close();
  }
}
console.log('phase | cycles | s | per s | fds/1k | maps/1k | heap KiB/1k | RSS KiB/1k');
for (const r of results)
  console.log(
    `${r.phase} | ${r.cycles} | ${r.seconds} | ${r.perSecond} | ${r.perThousand.fds} | ${r.perThousand.maps} | ${r.perThousand.heapKb} | ${r.perThousand.rssKb}`,
  );
