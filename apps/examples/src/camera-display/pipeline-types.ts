// The camera → display pipeline's options and result (both paths and the
// pipeline itself use them).
import type { Display } from '@dmabuf/exporter-drm';
import type { V4l2Frame } from '@dmabuf/importer-v4l2';
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
