import { describe, it } from 'vitest';
import { whyUnavailable } from './index.js';

/**
 * A lab suite: defined when the test runs in the lab with every driver it needs;
 * otherwise one skipped test whose name (and the suite's) says why, so a report
 * never hides a suite that did not run.
 * @param {string} name
 * @param {() => void} define the suite's body (as for `describe`)
 * @param {{ needs?: string[] }} [opts] the lab drivers it needs, e.g. `{ needs: ['vkms'] }`
 */
export function labSuite(name, define, opts = {}) {
  const why = whyUnavailable(opts.needs ?? []);
  if (!why) {
    describe(name, define);
    return;
  }
  describe(`${name} [skipped: ${why}]`, () => {
    it(`skipped: ${why}`, (ctx) => ctx.skip(why));
  });
}
