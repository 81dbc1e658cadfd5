import {
  type ConvertFormat,
  type CpuMapping,
  convertLayout,
  convertToXrgbAsync,
  type DmaBuf,
} from '@dmabuf/core';
import type { Display, Framebuffer } from '@dmabuf/exporter-drm';
import type { V4l2Frame, V4l2Queue } from '@dmabuf/importer-v4l2';
import { type Counted, type PathRun, round } from './path-run.js';
import type { PipelineOptions } from './pipeline-types.js';

const FRAME_TIMEOUT_MS = 30_000;

/**
 * The copy path: the camera's own (MMAP, exported) buffers, each frame copied
 * or converted by the CPU into one of two display buffers, then shown.
 */
export async function copyPath(
  { fw, camera, choice, options, log }: PathRun,
  display: Display,
): Promise<Counted> {
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
