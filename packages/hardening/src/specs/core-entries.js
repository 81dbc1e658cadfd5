/**
 * The corpus for @dmabuf/core's subpath entries (plugin, driver, testing, contract).
 * @typedef {import('../engine.js').Spec} Spec
 */

const VITEST =
  "defines vitest suites: callable only while vitest collects tests (every exporter's contract test calls it)";

/** @type {Spec} */
export const corePlugin = { entry: '@dmabuf/core/plugin', exports: { TOKENS: {} } };

/** @type {Spec} */
export const coreDriver = {
  entry: '@dmabuf/core/driver',
  exports: {
    FdWatcher: {
      noInstance:
        "the readiness watcher of driver packages: its constructor is fuzzed; its methods take the events a driver passes (POLL_BITS) and are run by core's poll and channel tests and the V4L2 and DRM suites",
    },
    POLL_BITS: {},
    check: {},
    debugLog: {},
    debugSection: {},
    loadAddon: {},
    memfdBits: {},
    traceAddon: {},
  },
};

/** @type {Spec} */
export const coreTesting = {
  entry: '@dmabuf/core/testing',
  exports: {
    MemfdExporter: {
      noInstance:
        'an exporter plugin: the framework calls its hooks with checked arguments (the exporter contract runs them)',
    },
    fdDelta: {},
    linkMeter: {},
    memfdExporterPlugin: {},
    refusalOf: {
      skip: 'an assertion for tests: it runs the function it is given and throws AssertionError by design when that call is accepted',
    },
    repoRoot: {},
    stallingSink: {},
    writeBenchResult: { skip: 'writes bench/results/<name>.json in the repository: not called with junk' },
  },
};

/** @type {Spec} */
export const coreContract = {
  entry: '@dmabuf/core/contract',
  exports: {
    describeCrossProcessSharing: { skip: VITEST },
    describeExporterContract: { skip: VITEST },
    describeImporterContract: { skip: VITEST },
  },
};
