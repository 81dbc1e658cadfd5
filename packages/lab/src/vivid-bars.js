/**
 * vivid's default test pattern (75% colour bars), as [r, g, b] from left to
 * right: what a capture from vivid shows in the middle of each of its eight
 * vertical bars, below the on-screen text.
 * @type {readonly (readonly [number, number, number])[]}
 */
export const VIVID_BARS = Object.freeze(
  /** @type {[number, number, number][]} */ ([
    [191, 191, 191],
    [191, 191, 0],
    [0, 191, 191],
    [0, 191, 0],
    [191, 0, 191],
    [191, 0, 0],
    [0, 0, 191],
    [0, 0, 0],
  ]).map((rgb) => Object.freeze(rgb)),
);
