import { Framework } from '@dmabuf/core';
import { Display, DrmDevice, drmExporterPlugin, findDrmDevice } from '@dmabuf/exporter-drm';
import { drmFormatOf, V4l2Device, type V4l2Frame, v4l2ExporterPlugin } from '@dmabuf/importer-v4l2';
import { copyPath } from './copy-path.js';
import { chooseFormat, type FormatChoice } from './format-choice.js';
import { chooseFrameRate } from './frame-rate.js';
import type { DemoOptions } from './options.js';
import type { PathRun } from './path-run.js';
import { zeroCopy } from './zero-copy-path.js';

/** What a run of the pipeline did. */
export interface PipelineResult {
  /** 'zero-copy': the camera wrote into the display's buffers; 'copy': every frame was copied by the CPU. */
  path: 'zero-copy' | 'copy';
  /** Why the copy path ran (forced, a conversion, or the refusal that forced it). */
  copyReason?: string;
  camera: string;
  display: string;
  mode: string;
  /** How the display placed the picture, and why (plane, scaling/position, mode kept or changed). */
  placement: string;
  /** Why the display's mode was the one it started in. */
  modeReason: string;
  /** The camera's pixel format (V4L2 fourcc). */
  format: string;
  /** The display buffers' format (DRM fourcc). */
  displayFormat: string;
  frames: number;
  /** Frames the camera produced that were never shown (sequence gaps). */
  skipped: number;
  /** Zero-copy (link): frames dequeued but replaced by a newer one before the display took them. */
  dropped?: number;
  /** Zero-copy (link): capture → flip-complete latency, median and 99th percentile, in ms. */
  latencyMs?: { median: number; p99: number };
  seconds: number;
  fps: number;
  /** Process CPU time (user + system) per shown frame. */
  cpuMsPerFrame: number;
  /** Bytes the CPU copied per frame (0 on the zero-copy path). */
  copiedBytesPerFrame: number;
}

export type PipelineOptions = Pick<
  DemoOptions,
  'frames' | 'width' | 'height' | 'camera' | 'card' | 'buffers' | 'copy' | 'connector' | 'mode'
> & {
  /** Camera frame rate to ask for (default: the fastest it offers at this size). */
  fps?: number;
  /** Camera pixel format (default: one the display scans out, XR24 first; else YUYV converted). */
  format?: string;
  /** Stop early (Ctrl-C): the display is restored and every buffer released all the same. */
  signal?: AbortSignal;
  /**
   * Called after each frame is on screen (await it to hold the picture, e.g. for a screenshot or
   * a writeback capture). On the zero-copy path frames run on a link, without JavaScript: it is
   * called every 30 frames (not awaited, no frame), and once at the end, awaited, with the last
   * frame still on screen.
   */
  onShown?: (shown: number, frame: V4l2Frame | undefined, display: Display) => void | Promise<void>;
  log?: (line: string) => void;
};

/**
 * Camera → display without copying: the display's DRM device allocates dumb
 * buffers (scanout memory), the camera imports them (V4L2_MEMORY_DMABUF) and
 * writes each frame straight into one, and the display page-flips to it.
 * A frame stays on screen (held from the camera) until the next flip has
 * completed, then goes back to the camera. If the camera refuses the display's
 * buffers, the pipeline says so and falls back to copying each frame from the
 * camera's own buffers into display buffers.
 */
export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const log = options.log ?? (() => {});
  using card = options.card
    ? DrmDevice.open(options.card)
    : findDrmDevice({ display: true, dumbBuffers: true });
  using camera = options.camera ? V4l2Device.open(options.camera) : V4l2Device.find({ queue: 'capture' });
  await using fw = await Framework.create({
    plugins: [drmExporterPlugin({ device: card }), v4l2ExporterPlugin()],
  });
  const openDisplay = (): Display =>
    Display.open(card, {
      ...(options.connector !== undefined ? { connector: options.connector } : {}),
      ...(options.mode !== undefined ? { mode: options.mode } : {}),
      onPlacement: (c) => log(`display: ${c.reason}`),
    });
  let connector: string;
  let choice: FormatChoice;
  let planned: string;
  let modeReason: string;
  {
    // Fails early, naming what is available, for a connector, mode or size the display cannot do.
    using probe = openDisplay();
    connector = probe.connector;
    modeReason = probe.modeReason;
    const cameraFormats = camera
      .formats('capture')
      .filter((f) => !f.compressed)
      .map((f) => f.pixelformat);
    const planeFormats = [...new Set(probe.planes.flatMap((p) => p.formats))];
    choice = chooseFormat(cameraFormats, planeFormats, drmFormatOf, options.format);
    using one = fw.export({
      exporter: 'drm',
      width: options.width,
      height: options.height,
      format: choice.display,
    });
    planned = probe.plan(probe.framebuffer(one)).reason;
  }
  const fmt = camera.setFormat('capture', {
    width: options.width,
    height: options.height,
    pixelformat: choice.camera,
  });
  if (fmt.width !== options.width || fmt.height !== options.height)
    throw new Error(
      `camera ${camera.path} gives ${fmt.width}x${fmt.height}, not ${options.width}x${options.height}: pick a size it offers (--size)`,
    );
  const fps = chooseFrameRate(camera, choice.camera, options);
  log(
    `camera ${camera.path} (${camera.info.driver}, ${camera.info.card}, ${choice.camera}${fps ? `, ${fps} fps` : ''}) → display ${card.label} ${connector} (${modeReason}), ${options.width}x${options.height} ${choice.display}`,
  );
  log(`display plan: ${planned}`);
  const base = {
    camera: camera.path,
    display: `${card.label} ${connector}`,
    modeReason,
    format: choice.camera,
    displayFormat: choice.display,
  } as const;
  const run: PathRun = { fw, camera, choice, options, log };
  const copy = async (why: string) => ({
    ...base,
    ...(await copyPath(run, openDisplay())),
    copyReason: why,
  });
  if (choice.convert) {
    const why = `no display plane scans out ${choice.camera} (planes take ${choice.planeFormats.join(', ')}): each frame converted to ${choice.display} by the CPU in native code on a libuv pool thread (convertToXrgbAsync), the JS thread free meanwhile`;
    log(`COPY PATH: ${why}`);
    return await copy(why); // await: the `using` resources above must outlive the copy
  }
  if (options.copy) {
    log('copy path forced (--copy): every frame is copied by the CPU');
    return await copy('forced (--copy)');
  }
  const zero = await zeroCopy(run, openDisplay());
  if (zero.ok) return { ...base, ...zero.result };
  log(`COPY FALLBACK: ${zero.reason}`);
  return await copy(zero.reason);
}
