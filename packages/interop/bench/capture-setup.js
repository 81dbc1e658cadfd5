// vivid's capture queue as the capture benchmarks use it (v4l2-capture.js,
// link-perf.js): 640x360 YUYV, no OSD text, the shortest frame interval the
// device offers at that size, `buffers` slots, and for 'dmabuf' memory one
// udmabuf per slot to import.
import { Framework } from '@dmabuf/core';
import { udmabufPlugin } from '@dmabuf/exporter-udmabuf';
import { V4l2Device } from '@dmabuf/importer-v4l2';

export const WIDTH = 640;
export const HEIGHT = 360;
export const FORMAT = 'YUYV';

/** Format, no OSD, fastest frame interval; gives the interval set. */
export function setup(dev) {
  dev.setControl('osd_text_mode', 2);
  dev.setFormat('capture', { width: WIDTH, height: HEIGHT, pixelformat: FORMAT });
  const fastest = dev
    .frameIntervals(FORMAT, WIDTH, HEIGHT)
    .map((i) => i.min)
    .sort((a, b) => a.numerator / a.denominator - b.numerator / b.denominator)[0];
  return dev.setFrameInterval('capture', fastest);
}

/**
 * vivid's capture queue set up for a round: `buffers` slots, udmabufs to
 * import when memory is 'dmabuf'; on `path`, or the first vivid capture node.
 */
export async function openCapture(memory, buffers, path) {
  const fw = await Framework.create({ plugins: [udmabufPlugin()] });
  const dev = path ? V4l2Device.open(path) : V4l2Device.find({ driver: 'vivid', queue: 'capture' });
  const interval = setup(dev);
  const q = dev.queue('capture', { count: buffers, memory });
  const bufs =
    memory === 'dmabuf'
      ? Array.from({ length: q.count }, () =>
          fw.export({ exporter: 'udmabuf', size: q.format.planes[0].sizeimage }),
        )
      : [];
  return { fw, dev, interval, q, bufs };
}

/** Undo openCapture; gives the device's path. */
export async function closeCapture({ fw, dev, q, bufs }) {
  q.close();
  for (const b of bufs) b.put();
  const path = dev.path;
  dev.close();
  await fw.close();
  return path;
}
