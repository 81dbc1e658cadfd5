// The devices both camera → display benchmark paths use (inside the lab, from
// bench/guest.js): the display's card allocates `buffers` XR24 scanout
// buffers at the camera's size, the camera's capture queue imports them
// (dma-buf memory), and `close()` undoes it all in reverse order.
import { Framework } from '@dmabuf/core';
import { Display, drmExporterPlugin, findDrmDevice } from '@dmabuf/exporter-drm';
import { V4l2Device } from '@dmabuf/importer-v4l2';

/**
 * @param {{ width: number, height: number, fps: number, buffers: number }} o
 * @returns {Promise<{ display: Display, q: import('@dmabuf/importer-v4l2').V4l2Queue, bufs: import('@dmabuf/core').DmaBuf[], close(): Promise<void> }>}
 */
export async function openCameraDisplay(o) {
  const card = findDrmDevice({ display: true, dumbBuffers: true });
  const camera = V4l2Device.find({ queue: 'capture' });
  const fw = await Framework.create({ plugins: [drmExporterPlugin({ device: card })] });
  /** @type {Display | undefined} */
  let display;
  /** @type {import('@dmabuf/importer-v4l2').V4l2Queue | undefined} */
  let q;
  /** @type {import('@dmabuf/core').DmaBuf[]} */
  const bufs = [];
  const close = async () => {
    q?.close();
    display?.close();
    for (const b of bufs) b.put();
    await fw.close();
    camera.close();
    card.close();
  };
  try {
    camera.setFormat('capture', { width: o.width, height: o.height, pixelformat: 'XR24' });
    camera.setFrameInterval('capture', { numerator: 1, denominator: o.fps });
    display = Display.open(card);
    q = camera.queue('capture', { memory: 'dmabuf', count: o.buffers });
    for (let i = 0; i < q.count; i++) {
      bufs.push(
        fw.export({
          exporter: 'drm',
          width: o.width,
          height: o.height,
          format: 'XR24',
          constraints: q.constraints(),
        }),
      );
    }
    return { display, q, bufs, close };
  } catch (err) {
    await close();
    throw err;
  }
}
