export { provision, readStamp } from './provision.js';
export { runInLab, consoleTail } from './run.js';
export { LabError, missingKernelError } from './errors.js';
export { cacheDir } from './paths.js';
