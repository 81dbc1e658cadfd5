import { describe, it } from 'vitest';
import { whyUnavailable } from './index.js';

/**
 * @typedef {object} LabSuiteOptions The lab drivers a suite needs, e.g. `{ needs: ['vkms'] }`.
 * @property {string[]} [needs] kernel drivers (module names such as 'vivid', 'vkms', 'vim2m') that must be
 *   present in the lab: when one is missing the suite is one skipped test naming it; omitted: none
 */

/**
 * A lab suite: defined when the test runs in the lab with every driver it needs;
 * otherwise one skipped test whose name (and the suite's) says why, so a report
 * never hides a suite that did not run. Called like vitest's `describe`:
 * `labSuite(name, define)` or `labSuite(name, { needs: ['vim2m'] }, define)`
 * (`labSuite(name, define, { needs })` works too).
 * @param {string} name
 * @param {LabSuiteOptions | (() => void)} optsOrDefine
 * @param {(() => void) | LabSuiteOptions} [defineOrOpts]
 */
export function labSuite(name, optsOrDefine, defineOrOpts) {
  const define = typeof optsOrDefine === 'function' ? optsOrDefine : defineOrOpts;
  const opts = typeof optsOrDefine === 'function' ? defineOrOpts : optsOrDefine;
  if (typeof define !== 'function')
    throw new TypeError(`labSuite ${name}: expected a function defining the suite`);
  const why = whyUnavailable(typeof opts === 'object' ? (opts.needs ?? []) : []);
  if (!why) {
    describe(name, define);
    return;
  }
  describe(`${name} [skipped: ${why}]`, () => {
    it(`skipped: ${why}`, (ctx) => ctx.skip(why));
  });
}
