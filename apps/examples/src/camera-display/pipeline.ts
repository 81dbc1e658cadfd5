import {
  type ConvertFormat,
  type CpuMapping,
  convertLayout,
  convertToXrgbAsync,
  type DmaBuf,
  Framework,
  Link,
} from '@dmabuf/core';
import {
  Display,
  DrmDevice,
  drmExporterPlugin,
  type Framebuffer,
  findDrmDevice,
  ImportRefusedError,
} from '@dmabuf/exporter-drm';
import {
  drmFormatOf,
  StreamError,
  V4l2Device,
  type V4l2Frame,
  type V4l2Queue,
  v4l2ExporterPlugin,
} from '@dmabuf/importer-v4l2';
import { chooseFormat, type FormatChoice } from './format-choice.js';
import { linkOptions, linkRun } from './link-run.js';
import type { DemoOptions } from './options.js';

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

const FRAME_TIMEOUT_MS = 30_000;

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

/**
 * Ask the camera for a frame rate: the one requested, else the fastest it
 * lists for this format and size (as GStreamer's negotiation would pick).
 * Returns the rate set, or undefined when the camera lists none.
 */
function chooseFrameRate(camera: V4l2Device, format: string, options: PipelineOptions): number | undefined {
  const intervals = camera.frameIntervals(format, options.width, options.height);
  if (intervals.length === 0) return undefined;
  const seconds = (f: { numerator: number; denominator: number }): number => f.numerator / f.denominator;
  const want = options.fps ? 1 / options.fps : 0;
  const best = intervals
    .map((i) => i.min)
    .sort((a, b) => Math.abs(seconds(a) - want) - Math.abs(seconds(b) - want))[0]!;
  const set = camera.setFrameInterval('capture', best);
  return Math.round((set.denominator / set.numerator) * 100) / 100;
}

/** What both paths work with (each gets its own Display, closed when it is done). */
interface PathRun {
  fw: Framework;
  camera: V4l2Device;
  choice: FormatChoice;
  options: PipelineOptions;
  log: (line: string) => void;
}

type Counted = Omit<
  PipelineResult,
  'camera' | 'display' | 'modeReason' | 'format' | 'displayFormat' | 'copyReason'
>;

async function zeroCopy(
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

async function copyPath({ fw, camera, choice, options, log }: PathRun, display: Display): Promise<Counted> {
  const camBufs: DmaBuf[] = [];
  const screens: DmaBuf[] = [];
  const maps = new Map<DmaBuf, CpuMapping>();
  let q: V4l2Queue | undefined;
  try {
    q = camera.queue('capture', { memory: 'mmap', count: options.buffers });
    camBufs.push(...q.exportBuffers(fw));
    for (let i = 0; i < 2; i++)
      screens.push(
        fw.export({ exporter: 'drm', width: options.width, height: options.height, format: choice.display }),
      );
    const fbs = screens.map((b) => display.framebuffer(b));
    // Mapped once (as GStreamer maps its buffers once): per frame only the DMA_BUF_IOCTL_SYNC
    // bracket of a CPU-access scope, no mmap/munmap and no page faults on fresh mappings.
    for (const b of camBufs) maps.set(b, b.mmap({ writable: false }));
    for (const b of screens) maps.set(b, b.mmap());
    log(
      `copy: ${q.count} camera buffers (${camBufs[0]!.expName}), 2 display buffers, one CPU ${choice.convert ? `${choice.camera}→${choice.display} conversion` : 'copy'} per frame`,
    );
    for (let i = 0; i < q.count; i++) q.queue(i);
    q.start();
    const srcPitch = q.format.planes[0]!.bytesperline;
    const dstPitch = screens[0]!.layout.planes[0]!.pitch;
    const source = choice.convert
      ? convertSource(choice.camera as ConvertFormat, options, srcPitch)
      : undefined;
    // Same-format copy: every row of every (stacked) plane, as far as both buffers go.
    const rowBytes = Math.min(srcPitch, dstPitch);
    const rows = Math.min(
      Math.floor(q.format.planes[0]!.sizeimage / srcPitch),
      Math.floor(screens[0]!.size / dstPitch),
    );
    let next = 0;
    return await loop(
      q,
      display,
      options,
      async (frame) => {
        const target = next;
        next ^= 1;
        {
          // Both CPU-access scopes stay open until the conversion has settled.
          using src = maps.get(frame.buffer!)!.access('read');
          using dst = maps.get(screens[target]!)!.access('write');
          if (source) await convertToXrgbAsync(src.bytes, source, dst.bytes, dstPitch);
          else
            for (let y = 0; y < rows; y++)
              dst.bytes.set(src.bytes.subarray(y * srcPitch, y * srcPitch + rowBytes), y * dstPitch);
        }
        return fbs[target]!;
      },
      choice.convert ? options.width * options.height * 4 : rowBytes * rows,
      true,
    );
  } finally {
    q?.close();
    display.close();
    for (const m of maps.values()) m.unmap();
    for (const b of [...screens, ...camBufs]) b.put();
  }
}

/**
 * Dequeue → show → give the previous frame back. With `releaseEarly` (copy
 * path) the frame goes back to the camera as soon as it has been copied.
 */
async function loop(
  q: V4l2Queue,
  display: Display,
  options: PipelineOptions,
  framebufferFor: (frame: V4l2Frame) => Framebuffer | Promise<Framebuffer>,
  copiedBytesPerFrame: number,
  releaseEarly = false,
): Promise<Counted> {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  let shown = 0;
  let skipped = 0;
  let lastSeq: number | undefined;
  let onScreen: V4l2Frame | undefined;
  try {
    for await (const frame of q.frames({ signal: options.signal, timeoutMs: FRAME_TIMEOUT_MS })) {
      if (frame.error) {
        frame.requeue();
        continue;
      }
      if (lastSeq !== undefined && frame.sequence > lastSeq + 1) skipped += frame.sequence - lastSeq - 1;
      lastSeq = frame.sequence;
      const fb = await framebufferFor(frame);
      if (releaseEarly) frame.requeue();
      await display.show(fb); // resolves when the flip has completed: the previous buffer is off screen
      if (!releaseEarly) {
        onScreen?.requeue();
        onScreen = frame;
      }
      shown++;
      await options.onShown?.(shown, frame, display);
      if (options.frames > 0 && shown >= options.frames) break;
      if (options.signal?.aborted) break;
    }
  } finally {
    if (onScreen && q.streaming) onScreen.requeue();
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    path: releaseEarly ? 'copy' : 'zero-copy',
    mode: `${display.width}x${display.height}`,
    placement: display.placement?.reason ?? 'nothing shown',
    frames: shown,
    skipped,
    seconds: round(seconds, 3),
    fps: round(shown / seconds, 2),
    cpuMsPerFrame: round((cpu.user + cpu.system) / 1000 / Math.max(shown, 1), 3),
    copiedBytesPerFrame,
  };
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/**
 * The camera's layout of a frame in a format convertToXrgb reads: one
 * memory plane (V4L2 single-planar) of `bytesperline` rows, the chroma
 * planes after the luma one at the pitch V4L2 gives them (the same for NV12,
 * half for YU12).
 */
function convertSource(format: ConvertFormat, size: { width: number; height: number }, bytesperline: number) {
  const { width, height } = size;
  const pitches =
    format === 'NV12'
      ? [bytesperline, bytesperline]
      : format === 'YU12'
        ? [bytesperline, bytesperline / 2, bytesperline / 2]
        : [bytesperline];
  return {
    format,
    width,
    height,
    pitches,
    offsets: convertLayout({ format, width, height, pitches }).offsets,
  };
}
