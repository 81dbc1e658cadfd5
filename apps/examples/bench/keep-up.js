// How well a pipeline keeps up with its camera: of the frames it took from the camera in a
// measured window, the share it put on the screen (shown / (shown + dropped)). With a camera
// that sets both sides' pace, each side's frame rate is the rate the camera delivered in that
// side's rounds, so the frame-rate ratio follows the camera's skips (vivid under TCG: 0-5 % of
// frame times, at random); the keep-up ratio compares what the pipelines did with the frames they got.

/**
 * The share of the frames a pipeline took that it showed: 1 when it dropped none.
 * @param {{ shown: number, dropped: number }} w the window's counts
 * @returns {number}
 */
export function keepUp({ shown, dropped }) {
  if (
    !Number.isInteger(shown) ||
    !Number.isInteger(dropped) ||
    shown < 0 ||
    dropped < 0 ||
    shown + dropped === 0
  )
    throw new RangeError(
      `keepUp: shown and dropped must be integers >= 0, not both 0 (got ${shown}, ${dropped})`,
    );
  return shown / (shown + dropped);
}

/**
 * Per-round ratios of our keep-up to the baseline's, rounds paired by index (a round missing on
 * either side gives none).
 * @param {{ shown: number, dropped: number }[]} ours
 * @param {{ shown: number, dropped: number }[]} baseline
 * @returns {number[]}
 */
export function keepUpRatios(ours, baseline) {
  return ours.flatMap((w, i) => (baseline[i] ? [Number((keepUp(w) / keepUp(baseline[i])).toFixed(3))] : []));
}
