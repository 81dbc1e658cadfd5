// Comparing two screendumps: is the screen after the one before?

/** Why `after` is not the screen `before` was (empty when it is: same size, at most 1% of the pixels differ, a cursor may blink). */
export function notRestored(
  before: { width: number; height: number; pixels: Uint8Array },
  after: { width: number; height: number; pixels: Uint8Array },
): string[] {
  if (before.width !== after.width || before.height !== after.height)
    return [`${after.width}x${after.height}, was ${before.width}x${before.height}`];
  let differ = 0;
  for (let i = 0; i < before.pixels.length; i += 3)
    if (
      before.pixels[i] !== after.pixels[i] ||
      before.pixels[i + 1] !== after.pixels[i + 1] ||
      before.pixels[i + 2] !== after.pixels[i + 2]
    )
      differ++;
  const total = before.width * before.height;
  return differ > total / 100 ? [`${differ} of ${total} pixels differ`] : [];
}
