import { type DmaBuf, Link } from '@dmabuf/core';
import { udmabufPlugin } from '@dmabuf/exporter-udmabuf';
import { beforeAll } from 'vitest';
import { type PixFormat, V4l2M2mDevice, type V4l2Queue } from '../../importer-v4l2/src/index.js'; // the same module as its vivid helpers
import { type CameraSuite, quietCameraSuite } from '../../importer-v4l2/test/lab-helpers.js';

export type { CameraSuite };

// What the camera → vim2m suites (v4l2-m2m, link-m2m) set up alike: a framework with udmabuf and
// vivid with a quiet pattern for the suite, and per case vivid's RGB24 capture queue over 4
// udmabufs with vim2m configured RGB24 → RGB565.

/** The suite's framework (udmabuf: /dev/udmabuf opened once, kept until close) and vivid, quiet. */
export function cameraSuite(): CameraSuite {
  const s = quietCameraSuite(() => [udmabufPlugin()]);
  beforeAll(() => {
    s.fw.export({ exporter: 'udmabuf', size: 4096 }).put(); // opens /dev/udmabuf, kept until close: not a leak
  });
  return s;
}

/** The formats vim2m took: OUTPUT and CAPTURE. */
export type VimFormats = { output: PixFormat; capture: PixFormat };

/** vim2m with both queues' formats set: RGB24 in, RGB565 out, at `width` x `height`. */
export function configureRgb(m2m: V4l2M2mDevice, width: number, height: number): VimFormats {
  return m2m.configure({
    output: { width, height, pixelformat: 'RGB3' },
    capture: { width, height, pixelformat: 'RGBP' },
  });
}

/** A camera capture queue over udmabufs and a vim2m configured for its frames. */
export interface CameraIntoVim2m {
  /** vivid's capture queue (RGB24, DMABUF memory). */
  camQ: V4l2Queue;
  /** The udmabufs the camera writes (each the size of one frame), not yet queued. */
  camBufs: DmaBuf[];
  /** vim2m, configured RGB24 → RGB565 with 1 ms transactions; its queues not opened. */
  m2m: V4l2M2mDevice;
  /** The formats vim2m took. */
  fmts: VimFormats;
}

/**
 * vivid at `width` x `height` RGB24 (at `fps` when given) into `count` udmabufs (default 4), and
 * vim2m configured for them. On failure everything made is closed or put; otherwise the caller closes m2m and camQ
 * and puts camBufs.
 */
export function cameraIntoVim2m(
  s: CameraSuite,
  o: { width: number; height: number; fps?: number; count?: number },
): CameraIntoVim2m {
  s.cam.setFormat('capture', { width: o.width, height: o.height, pixelformat: 'RGB3' });
  if (o.fps) s.cam.setFrameInterval('capture', { numerator: 1, denominator: o.fps });
  const camQ = s.cam.queue('capture', { count: o.count ?? 4 });
  const camBufs: DmaBuf[] = [];
  let m2m: V4l2M2mDevice | undefined;
  try {
    m2m = V4l2M2mDevice.find({ driver: 'vim2m' });
    for (let i = 0; i < camQ.count; i++)
      camBufs.push(s.fw.export({ exporter: 'udmabuf', size: camQ.format.planes[0]!.sizeimage }));
    const fmts = configureRgb(m2m, o.width, o.height);
    m2m.device.setControl('transaction_time_msec', 1);
    return { camQ, camBufs, m2m, fmts };
  } catch (e) {
    m2m?.close();
    camQ.close();
    for (const b of camBufs) b.put();
    throw e;
  }
}

/** `count` udmabufs for vim2m's CAPTURE queue to write into (its constraints, one picture each). */
export function captureBufs(s: CameraSuite, cap: V4l2Queue, r: CameraIntoVim2m, count: number): DmaBuf[] {
  return Array.from({ length: count }, () =>
    s.fw.export({
      exporter: 'udmabuf',
      constraints: cap.constraints(),
      size: r.fmts.capture.planes[0]!.sizeimage,
    }),
  );
}

/** The camera feeding vim2m's OUTPUT queue on a link, nothing on its CAPTURE side (see startFeed). */
export interface Vim2mFeed extends CameraIntoVim2m {
  /** vim2m's OUTPUT queue (3 DMABUF slots: the camera's buffers). */
  out: V4l2Queue;
  /** The running link camera → OUTPUT. */
  fed: Link;
  /** Closes vim2m and the camera's queue, and puts the camera's buffers not put yet. */
  [Symbol.dispose](): void;
}

/**
 * vivid at `width` x `height` into 3 udmabufs that are also the slots of vim2m's OUTPUT queue, and
 * a link from the camera into that queue, started. Nothing opens vim2m's CAPTURE side, so what the
 * link submits stays queued (in flight) until vim2m's queue is streamed off.
 */
export function startFeed(s: CameraSuite, o: { width: number; height: number }): Vim2mFeed {
  const rig = cameraIntoVim2m(s, { ...o, count: 3 });
  const dispose = () => {
    rig.m2m.close();
    rig.camQ.close();
    for (const b of rig.camBufs) if (!b.released) b.put();
  };
  try {
    const out = rig.m2m.open('output', { count: 3, memory: 'dmabuf' });
    for (const b of rig.camBufs) rig.camQ.attach(b);
    for (const b of rig.camBufs) out.attach(b);
    const fed = new Link(rig.camQ.port(), out.port()).start();
    return { ...rig, out, fed, [Symbol.dispose]: dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}
