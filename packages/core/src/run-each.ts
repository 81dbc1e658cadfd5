/**
 * Run every step even when one throws, then throw the first failure: a teardown that meets a
 * throwing plugin hook still lets go of everything else.
 */
export function runEach(steps: Iterable<() => void>): void {
  let failure: { error: unknown } | undefined;
  for (const step of steps) {
    try {
      step();
    } catch (e) {
      failure ??= { error: e };
    }
  }
  if (failure) throw failure.error;
}
