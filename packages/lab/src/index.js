export { provision, readStamp } from './provision.js';
export { runInLab, consoleTail } from './run.js';
export { LabError, missingKernelError } from './errors.js';
export { cacheDir } from './paths.js';
export { startLab } from './run.js';
export { screendumpVia } from './screendump.js';
export { encodePng } from './png.js';
export { parsePpm, readPpm, pixelAt } from './ppm.js';
