// Ours, in the flip benchmark (lab guest): a flip link (two framebuffers
// alternated by core's link engine, no JavaScript per flip) and the
// JavaScript path (await display.flip() per flip), on one DRM device.
import { cyclingSource, Framework, Link } from '@dmabuf/core';
import { linkMeter } from '@dmabuf/core/testing';
import { Display, DrmDevice, drmExporterPlugin, readKms, refreshOf } from '../dist/index.js';

/** A display on `device` showing the first of two full-screen XR24 buffers (blue, red). */
async function twoBuffers(device, legacy) {
  const dev = DrmDevice.open(device);
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

/**
 * The JavaScript path: await display.flip() for every flip, `warmup` flips then
 * `flips` measured. Also says which connector, CRTC and mode the display chose,
 * for modetest and the C loop to flip the same.
 */
export async function jsPath(device, legacy, { flips, warmup }) {
  const s = await twoBuffers(device, legacy);
  const { dev, display, fbs } = s;
  for (let i = 0; i < warmup; i++) await display.flip(fbs[(i + 1) % 2]);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < flips; i++) await display.flip(fbs[i % 2]);
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
    fps: (flips * 1000) / ms,
    cpuUsPerFlip: (cpu.user + cpu.system) / flips,
  };
  await s.close();
  return info;
}

/**
 * A flip link: cyclingSource(two buffers) → display.port(framebuffers), flips
 * issued and completed on the link's thread; the process's CPU over `flips`
 * after `warmup`, from the link's batched stats.
 */
export async function flipLink(device, legacy, { flips, warmup }) {
  const s = await twoBuffers(device, legacy);
  const meter = linkMeter({ warmup, frames: flips });
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
  };
}
