// Camera → display with JavaScript per frame (runs inside the lab, from
// bench/guest.js): what camera-to-display's zero-copy path did before it ran
// on a link, kept here so that the benchmark shows the gain. The display
// allocates the buffers, the camera imports them; per frame: `for await` of
// queue.frames(), `await display.show()`, the previous frame requeued once
// the flip replacing it has completed.
import { Framework } from '@dmabuf/core';
import { Display, drmExporterPlugin, findDrmDevice } from '@dmabuf/exporter-drm';
import { V4l2Device } from '@dmabuf/importer-v4l2';

/** @param {{ width: number, height: number, fps: number, buffers: number, frames: number }} o */
export async function jsRound(o) {
  const card = findDrmDevice({ display: true, dumbBuffers: true });
  const camera = V4l2Device.find({ queue: 'capture' });
  const fw = await Framework.create({ plugins: [drmExporterPlugin({ device: card })] });
  let display;
  let q;
  const bufs = [];
  try {
    camera.setFormat('capture', { width: o.width, height: o.height, pixelformat: 'XR24' });
    camera.setFrameInterval('capture', { numerator: 1, denominator: o.fps });
    display = Display.open(card);
    q = camera.queue('capture', { memory: 'dmabuf', count: o.buffers });
    const fbs = new Map();
    for (let i = 0; i < q.count; i++) {
      const buf = fw.export({
        exporter: 'drm',
        width: o.width,
        height: o.height,
        format: 'XR24',
        constraints: q.constraints(),
      });
      bufs.push(buf);
      fbs.set(buf, display.framebuffer(buf));
    }
    for (const b of bufs) q.queue(b);
    q.start();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let shown = 0;
    let onScreen;
    for await (const frame of q.frames({ timeoutMs: 30_000 })) {
      if (frame.error) {
        frame.requeue();
        continue;
      }
      await display.show(fbs.get(frame.buffer)); // resolves when the flip has completed
      onScreen?.requeue();
      onScreen = frame;
      if (++shown >= o.frames) break;
    }
    const cpu = process.cpuUsage(cpu0);
    const seconds = (performance.now() - t0) / 1000;
    if (onScreen && q.streaming) onScreen.requeue();
    return {
      path: 'javascript',
      fps: shown / seconds,
      cpuMsPerFrame: (cpu.user + cpu.system) / 1000 / shown,
    };
  } finally {
    q?.close();
    display?.close();
    for (const b of bufs) b.put();
    await fw.close();
    camera.close();
    card.close();
  }
}
