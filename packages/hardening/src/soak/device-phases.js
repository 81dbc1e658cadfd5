// Soak phases on real devices (the lab): a V4L2 stream, page flips, camera → display. Each frame
// or flip is one cycle of the sampler. A phase whose device is missing returns why instead.
import { Framework } from '@dmabuf/core';

/** @typedef {import('./sampler.js').SoakResult} SoakResult */
/** @typedef {(name: string, cycle: (i: number) => unknown) => Promise<SoakResult>} Soak */

const FRAME_TIMEOUT_MS = 30_000;
const WIDTH = 640;
const HEIGHT = 480;

/** @param {() => unknown} open @returns {Promise<string | undefined>} why not, if the device is missing */
async function missing(open) {
  try {
    const d = await open();
    /** @type {any} */ (d)?.close?.();
    return undefined;
  } catch (e) {
    return /** @type {Error} */ (e).message;
  }
}

/**
 * vivid at WIDTH x HEIGHT in `pixelformat`, at the fastest frame rate it lists.
 * @param {typeof import('@dmabuf/importer-v4l2').V4l2Device} V4l2Device
 * @param {string} pixelformat
 */
function vivid(V4l2Device, pixelformat) {
  const cam = V4l2Device.find({ driver: 'vivid', queue: 'capture' });
  if (cam.getIo() !== 0) cam.setIo(0);
  cam.setFormat('capture', { width: WIDTH, height: HEIGHT, pixelformat });
  const intervals = cam.frameIntervals(pixelformat, WIDTH, HEIGHT);
  const fastest = intervals
    .map((i) => i.min)
    .sort((a, b) => a.numerator / a.denominator - b.numerator / b.denominator)[0];
  if (fastest) cam.setFrameInterval('capture', fastest);
  return cam;
}

/**
 * vivid streaming into `count` buffers made by `make(q)` (q: its capture queue at WIDTH x HEIGHT
 * `pixelformat`), each queued, the stream started; `prepare(bufs)` runs first (a display's
 * framebuffers). On failure everything made is let go; otherwise the caller ends the frames
 * iterator and calls `close()`, which closes the queue and the camera and puts the buffers.
 * @param {typeof import('@dmabuf/importer-v4l2').V4l2Device} V4l2Device
 * @param {string} pixelformat
 * @param {(q: import('@dmabuf/importer-v4l2').V4l2Queue) => import('@dmabuf/core').DmaBuf} make
 * @param {(bufs: import('@dmabuf/core').DmaBuf[]) => void} [prepare]
 */
function streamInto(V4l2Device, pixelformat, make, prepare) {
  const cam = vivid(V4l2Device, pixelformat);
  /** @type {import('@dmabuf/importer-v4l2').V4l2Queue | undefined} */
  let q;
  /** @type {import('@dmabuf/core').DmaBuf[]} */
  const bufs = [];
  const close = () => {
    q?.close();
    cam.close();
    for (const b of bufs) if (!b.released) b.put();
  };
  try {
    const queue = cam.queue('capture', { count: 4 });
    q = queue;
    for (let i = 0; i < queue.count; i++) bufs.push(make(queue));
    prepare?.(bufs);
    for (const b of bufs) queue.queue(b);
    queue.start();
    return { q: queue, bufs, frames: queue.frames({ timeoutMs: FRAME_TIMEOUT_MS }), close };
  } catch (e) {
    close();
    throw e;
  }
}

/**
 * A V4L2 stream: vivid captures into udmabufs it imports (V4L2_MEMORY_DMABUF); each cycle takes a
 * frame and queues it again.
 * @param {Soak} soak
 */
export async function v4l2Stream(soak) {
  const { V4l2Device } = await import('@dmabuf/importer-v4l2');
  const { udmabufPlugin } = await import('@dmabuf/exporter-udmabuf');
  const why = await missing(() => V4l2Device.find({ driver: 'vivid', queue: 'capture' }));
  if (why) return why;
  const fw = await Framework.create({ plugins: [udmabufPlugin()] });
  try {
    const { q, frames, close } = streamInto(V4l2Device, 'YUYV', (queue) =>
      fw.export({
        exporter: 'udmabuf',
        size: queue.format.planes[0]?.sizeimage ?? 0,
        constraints: queue.constraints(),
      }),
    );
    try {
      const r = await soak(
        `V4L2 stream (vivid ${WIDTH}x${HEIGHT} YUYV into ${q.count} udmabufs)`,
        async () => {
          const { value: f, done } = await frames.next();
          if (done || !f) throw new Error('the stream ended');
          f.requeue();
        },
      );
      await frames.return(undefined);
      return r;
    } finally {
      close();
    }
  } finally {
    await fw.close();
  }
}

/** The KMS display (virtio-gpu in the lab), its device and a framework exporting its dumb buffers; or why not. */
async function openDisplay() {
  const drm = await import('@dmabuf/exporter-drm');
  let card;
  let display;
  try {
    card = drm.findDrmDevice({ display: true, dumbBuffers: true });
    display = drm.Display.open(card);
  } catch (e) {
    card?.close();
    return /** @type {Error} */ (e).message;
  }
  const fw = await Framework.create({ plugins: [drm.drmExporterPlugin({ device: card })] });
  const close = async () => {
    display.close();
    await fw.close();
    card.close();
  };
  return { card, display, fw, close };
}

/**
 * Page flips: two dumb buffers of the display's own device, shown in turn; each cycle is one flip
 * (show() resolves when it has completed).
 * @param {Soak} soak
 */
export async function pageFlips(soak) {
  const opened = await openDisplay();
  if (typeof opened === 'string') return opened;
  const { card, display, fw } = opened;
  const bufs = [0, 1].map(() => fw.export({ exporter: 'drm', width: WIDTH, height: HEIGHT, format: 'XR24' }));
  try {
    const fbs = bufs.map((b) => display.framebuffer(b));
    return await soak(`page flips (${card.label}, ${WIDTH}x${HEIGHT} XR24, 2 buffers)`, async (i) => {
      await display.show(/** @type {any} */ (fbs[i % 2]));
    });
  } finally {
    display.close();
    for (const b of bufs) b.put();
    await opened.close();
  }
}

/**
 * Camera → display, zero-copy: the display's device allocates, vivid imports and writes, the
 * display flips to each frame; the frame on screen goes back to the camera after the next flip.
 * Each cycle is one frame shown.
 * @param {Soak} soak
 */
export async function cameraToDisplay(soak) {
  const { V4l2Device, drmFormatOf } = await import('@dmabuf/importer-v4l2');
  const why = await missing(() => V4l2Device.find({ driver: 'vivid', queue: 'capture' }));
  if (why) return why;
  const opened = await openDisplay();
  if (typeof opened === 'string') return opened;
  const { card, display, fw } = opened;
  const format = drmFormatOf('XR24') ?? 'XR24';
  /** @type {Map<unknown, unknown>} */
  const fbs = new Map();
  try {
    const { q, frames, close } = streamInto(
      V4l2Device,
      'XR24',
      (queue) =>
        fw.export({
          exporter: 'drm',
          width: WIDTH,
          height: HEIGHT,
          format,
          constraints: queue.constraints(),
        }),
      (bufs) => {
        for (const b of bufs) fbs.set(b, display.framebuffer(b));
      },
    );
    try {
      /** @type {any} */
      let onScreen;
      const r = await soak(
        `camera → display (vivid XR24 into ${q.count} ${card.label} dumb buffers, ${WIDTH}x${HEIGHT}, zero-copy)`,
        async () => {
          const { value: f, done } = await frames.next();
          if (done || !f) throw new Error('the stream ended');
          await display.show(/** @type {any} */ (fbs.get(f.buffer)));
          onScreen?.requeue();
          onScreen = f;
        },
      );
      if (onScreen && q.streaming) onScreen.requeue();
      await frames.return(undefined);
      return r;
    } finally {
      q.close();
      display.close(); // before the buffers go: the screen shows none of them
      close();
    }
  } finally {
    await opened.close();
  }
}
