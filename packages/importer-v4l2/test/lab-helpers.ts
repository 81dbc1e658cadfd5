import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type DmaBuf, type DmaBufPlugin, Framework } from '@dmabuf/core';
import { afterAll, beforeAll } from 'vitest';
import { type FindCriteria, V4l2Device, type V4l2Frame, type V4l2Queue } from '../src/index.js';

/** vivid's video capture node of the single-planar instance. */
export function vividCapture(extra: FindCriteria = {}): V4l2Device {
  return V4l2Device.find({ driver: 'vivid', queue: 'capture', ...extra });
}

/** The webcam input (0) at 640x360 YUYV: the state every suite starts from (vivid keeps state across opens). */
export function resetVivid(dev: V4l2Device): void {
  if (dev.getIo() !== 0) dev.setIo(0);
  dev.setFormat('capture', { width: 640, height: 360, pixelformat: 'YUYV' });
}

/** Deterministic frames: colour bars, no OSD text, no movement. */
export function quietPattern(dev: V4l2Device, pattern = 0): void {
  dev.setControl('test_pattern', pattern);
  dev.setControl('osd_text_mode', 2);
  dev.setControl('horizontal_movement', 3);
  dev.setControl('vertical_movement', 3);
}

/** Take `n` frames, requeueing each after `inspect`. */
export async function take(
  q: V4l2Queue,
  n: number,
  inspect: (f: V4l2Frame, i: number) => void = () => {},
): Promise<void> {
  let i = 0;
  for await (const f of q.frames({ timeoutMs: 30_000 })) {
    try {
      inspect(f, i);
    } finally {
      f.requeue();
    }
    if (++i >= n) break;
  }
}

/** The platform device name behind a vivid node ('platform:vivid-000' → 'vivid.0'). */
export function vividPlatformName(busInfo: string): string {
  const m = /^platform:vivid-(\d+)$/.exec(busInfo);
  if (!m) throw new Error(`not a vivid bus info: ${busInfo}`);
  return `vivid.${Number(m[1])}`;
}

const VIVID_DRIVER = '/sys/bus/platform/drivers/vivid';

export function unbindVivid(name: string): void {
  writeFileSync(`${VIVID_DRIVER}/unbind`, name);
}

/** Bind a vivid instance again and wait for a node with its bus info. */
export async function bindVivid(name: string, busInfo: string, timeoutMs = 30_000): Promise<void> {
  if (!existsSync(`${VIVID_DRIVER}/${name}`)) writeFileSync(`${VIVID_DRIVER}/bind`, name);
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (V4l2Device.list().some((d) => d.busInfo === busInfo)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not come back`);
}

/** Video nodes names in /sys (for diagnostics). */
export function sysVideoNames(): string[] {
  const dir = '/sys/class/video4linux';
  return existsSync(dir)
    ? readdirSync(dir).map((n) => `${n}: ${readFileSync(`${dir}/${n}/name`, 'utf8').trim()}`)
    : [];
}

/** What unplugMidStream() hands its check: the unplugged device, its queue and buffers, and how the stream ended. */
export interface Unplugged {
  /** vivid's capture device, unplugged (still open: its methods say DeviceLostError). */
  dev: V4l2Device;
  /** The capture queue that was streaming. */
  q: V4l2Queue;
  /** The udmabufs it streamed into. */
  bufs: DmaBuf[];
  /** What the frame loop ended with (undefined if it ended without an error). */
  err: unknown;
  /** Frames taken by the loop before the unplug. */
  frames: number;
}

/**
 * Stream vivid into 3 udmabufs of `fw`, unplug it after `afterMs` (vivid's simulated unplug, the
 * 'disconnect' control: every node of the instance goes away), wait for the frame loop to end and
 * run `check`; then, whatever happened, close the device, put the buffers, unbind the platform
 * device and bind it again (the camera is back). Returns the instance's bus info.
 */
export async function unplugMidStream(
  fw: Framework,
  afterMs: number,
  check: (u: Unplugged) => void,
): Promise<string> {
  const dev = vividCapture();
  const busInfo = dev.info.busInfo;
  const q = dev.queue('capture', { count: 3 });
  const bufs = Array.from({ length: 3 }, () =>
    fw.export({ exporter: 'udmabuf', size: q.format.planes[0]!.sizeimage }),
  );
  try {
    for (const b of bufs) q.queue(b);
    q.start();
    await take(q, 1);
    let frames = 0;
    const streaming = (async () => {
      for await (const f of q.frames({ timeoutMs: 30_000 })) {
        frames++;
        f.requeue();
      }
    })();
    await new Promise((r) => setTimeout(r, afterMs));
    dev.setControl('disconnect', 1);
    const err = await streaming.then(
      () => undefined,
      (e: unknown) => e,
    );
    check({ dev, q, bufs, err, frames });
  } finally {
    dev.close();
    for (const b of bufs) if (!b.released) b.put();
    const name = vividPlatformName(busInfo);
    unbindVivid(name);
    await bindVivid(name, busInfo);
  }
  return busInfo;
}

/** A lab suite's framework and camera: set in beforeAll, reset and closed in afterAll. */
export interface CameraSuite {
  /** A framework with the suite's plugins. */
  fw: Framework;
  /** vivid's capture device, reset (resetVivid) and with a quiet pattern. */
  cam: V4l2Device;
}

/** Register beforeAll/afterAll hooks that open (and close) a framework with `plugins` and vivid, quiet. */
export function quietCameraSuite(plugins: () => DmaBufPlugin[]): CameraSuite {
  const s = {} as CameraSuite;
  beforeAll(async () => {
    s.fw = await Framework.create({ plugins: plugins() });
    s.cam = vividCapture();
    resetVivid(s.cam);
    quietPattern(s.cam);
  });
  afterAll(async () => {
    if (s.cam) resetVivid(s.cam);
    s.cam?.close();
    await s.fw?.close();
  });
  return s;
}
