import { type DmaBuf, Link } from '@dmabuf/core';
import { type Display, type Framebuffer, ImportRefusedError } from '@dmabuf/exporter-drm';
import { StreamError, type V4l2Queue } from '@dmabuf/importer-v4l2';
import { linkOptions, linkRun } from './link-run.js';
import type { Counted, PathRun } from './path-run.js';

/**
 * Zero-copy: the display allocates the buffers, the camera imports them and a
 * link runs the frames; `ok: false` with the reason when the camera refuses
 * the display's buffers (the pipeline then copies).
 */
export async function zeroCopy(
  { fw, camera, choice, options, log }: PathRun,
  display: Display,
): Promise<{ ok: true; result: Counted } | { ok: false; reason: string }> {
  const bufs: DmaBuf[] = [];
  const fbs: Framebuffer[] = [];
  let q: V4l2Queue | undefined;
  try {
    q = camera.queue('capture', { memory: 'dmabuf', count: options.buffers });
    for (let i = 0; i < q.count; i++) {
      const buf = fw.export({
        width: options.width,
        height: options.height,
        format: choice.display,
        constraints: q.constraints(),
        exporter: 'drm',
      });
      bufs.push(buf);
      fbs.push(display.framebuffer(buf));
      q.attach(buf);
    }
    await display.show(fbs[0]!); // places the picture (plane, rectangles, maybe a mode) once
    let link: Link;
    try {
      link = new Link(q.port(), display.port(fbs), linkOptions(options, display));
      link.start(); // QBUF of every buffer: where the camera imports the display's buffers
    } catch (e) {
      if (
        e instanceof StreamError ||
        e instanceof ImportRefusedError ||
        (e as Error).cause instanceof ImportRefusedError
      )
        return {
          ok: false,
          reason: `camera ${camera.path} refused the display's buffers: ${(e as Error).message}`,
        };
      throw e;
    }
    log(
      `zero-copy: ${q.count} display-allocated buffers (${bufs[0]!.expName}) imported by the camera; frames run on a link (native: DQBUF → page flip → QBUF, no JavaScript per frame)`,
    );
    const result = await linkRun(link, display, options);
    return { ok: true, result };
  } finally {
    q?.close(); // STREAMOFF, every buffer detached, REQBUFS(0)
    display.close(); // the screen as it was before; the framebuffers removed
    for (const buf of bufs) buf.put();
  }
}
