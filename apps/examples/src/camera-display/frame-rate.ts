import type { V4l2Device } from '@dmabuf/importer-v4l2';

/**
 * Ask the camera for a frame rate: the one requested, else the fastest it
 * lists for this format and size (as GStreamer's negotiation would pick).
 * Returns the rate set, or undefined when the camera lists none.
 */
export function chooseFrameRate(
  camera: V4l2Device,
  format: string,
  options: { width: number; height: number; fps?: number | undefined },
): number | undefined {
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
