// The camera → display bench's keep-up figure (bench/keep-up.js): the share of the frames each
// pipeline took from the camera that it showed, and our share over the baseline's per round.
import { describe, expect, it } from 'vitest';
import { keepUp, keepUpRatios } from '../bench/keep-up.js';

describe('keep-up', () => {
  it('is 1 when no frame was dropped, and the shown share otherwise', () => {
    expect(keepUp({ shown: 270, dropped: 0 })).toBe(1);
    expect(keepUp({ shown: 261, dropped: 9 })).toBeCloseTo(261 / 270, 12);
    expect(keepUp({ shown: 0, dropped: 5 })).toBe(0);
  });

  it('refuses counts that are not whole, are negative, or are both zero', () => {
    for (const w of [
      { shown: 0, dropped: 0 },
      { shown: -1, dropped: 3 },
      { shown: 2.5, dropped: 0 },
      { shown: Number.NaN, dropped: 0 },
      { shown: 10, dropped: Number.POSITIVE_INFINITY },
    ])
      expect(() => keepUp(w)).toThrow(RangeError);
  });

  it('pairs rounds by index: a tie is 1, dropping more than the baseline is below 1', () => {
    const ours = [
      { shown: 270, dropped: 0 },
      { shown: 260, dropped: 10 },
      { shown: 270, dropped: 0 },
    ];
    const baseline = [
      { shown: 268, dropped: 0 },
      { shown: 270, dropped: 0 },
      { shown: 250, dropped: 20 },
    ];
    expect(keepUpRatios(ours, baseline)).toEqual([1, 0.963, 1.08]);
  });

  it('gives no ratio for a round the baseline does not have', () => {
    expect(
      keepUpRatios(
        [
          { shown: 1, dropped: 0 },
          { shown: 1, dropped: 0 },
        ],
        [{ shown: 1, dropped: 0 }],
      ),
    ).toEqual([1]);
  });
});
