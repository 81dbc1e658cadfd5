// Camera → display with JavaScript per frame (runs inside the lab, from
// bench/guest.js): what camera-to-display's zero-copy path did before it ran
// on a link, kept here so that the benchmark shows the gain. The display
// allocates the buffers, the camera imports them; per frame: `for await` of
// queue.frames(), `await display.show()`, the previous frame requeued once
// the flip replacing it has completed.
import { openCameraDisplay } from './camera-display-setup.js';

/** @param {{ width: number, height: number, fps: number, buffers: number, frames: number }} o */
export async function jsRound(o) {
  const { display, q, bufs, close } = await openCameraDisplay(o);
  try {
    const fbs = new Map(bufs.map((b) => [b, display.framebuffer(b)]));
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
    await close();
  }
}
