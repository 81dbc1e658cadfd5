export { LabError, missingKernelError } from './errors.js';
export { cacheDir } from './paths.js';
export { encodePng } from './png.js';
export { parsePpm, pixelAt, readPpm } from './ppm.js';
export { provision, readStamp } from './provision.js';
export { RESULT_PREFIX, runForResult } from './result.js';
export { consoleTail, runInLab, startLab } from './run.js';
export { screendumpVia } from './screendump.js';
