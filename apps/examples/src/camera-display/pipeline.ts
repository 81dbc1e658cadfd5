import { Framework } from '@dmabuf/core';
import { Display, DrmDevice, drmExporterPlugin, findDrmDevice } from '@dmabuf/exporter-drm';
import { drmFormatOf, V4l2Device, v4l2ExporterPlugin } from '@dmabuf/importer-v4l2';
import { copyPath } from './copy-path.js';
import { chooseFormat, type FormatChoice } from './format-choice.js';
import { chooseFrameRate } from './frame-rate.js';
import type { PathRun } from './path-run.js';
import type { PipelineOptions, PipelineResult } from './pipeline-types.js';
import { zeroCopy } from './zero-copy-path.js';

export type { PipelineOptions, PipelineResult } from './pipeline-types.js';

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
