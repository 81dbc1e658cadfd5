import { LabError } from '@dmabuf/lab';
import { ERROR_CLASS } from './reasons.js';

/** @typedef {import('../engine.js').Spec} Spec */

const BOOTS =
  'boots QEMU or provisions the lab (apt-get, downloads): not run with junk; its options are parsed by parseArgs (lab cli-args.test.ts)';
const WRITES =
  'writes files where its argument says and waits on QMP: not run with junk (lab screendump.lab.test.ts)';
/** The lab does not depend on core: its own error family, LabError with a code. */
const isLabError = (/** @type {unknown} */ e) =>
  e instanceof LabError && /^[A-Z][A-Z0-9_]+$/.test(String(e.code));
/** A wrong type: a LabError EINVAL "Expected X for NAME but received Y" (core's sentence; the lab does not depend on core). */
const isLabInvalid = (/** @type {unknown} */ e) =>
  e instanceof LabError && e.code === 'EINVAL' && e.message.startsWith('Expected ');

/** @type {Spec} */
export const lab = {
  entry: '@dmabuf/lab',
  isTyped: isLabError,
  isInvalidArgument: isLabInvalid,
  exports: {
    LabError: ERROR_CLASS,
    RESULT_PREFIX: {},
    cacheDir: {},
    consoleTail: {},
    encodePng: {},
    missingKernelError: {},
    parsePpm: {},
    pixelAt: {},
    provision: { skip: BOOTS },
    readPpm: {},
    readStamp: {},
    runForResult: { skip: BOOTS },
    runInLab: { skip: BOOTS },
    screendumpVia: { skip: WRITES },
    startLab: { skip: BOOTS },
  },
};

/** @type {Spec} */
export const labGuest = {
  entry: '@dmabuf/lab/guest',
  isTyped: isLabError,
  isInvalidArgument: isLabInvalid,
  exports: {
    inLab: {},
    labOutDir: {},
    parsePpm: {},
    pixelAt: {},
    readPpm: {},
    screendump: { skip: WRITES },
    VIVID_BARS: {},
    whyUnavailable: {},
  },
};

/** @type {Spec} */
export const labSuite = {
  entry: '@dmabuf/lab/suite',
  exports: {
    labSuite: {
      skip: 'defines vitest suites: callable only while vitest collects tests (every lab suite calls it)',
    },
  },
};
