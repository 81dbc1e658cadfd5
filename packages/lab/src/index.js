export { LabError, missingKernelError } from './errors.js';
export { cacheDir } from './paths.js';
export { encodePng } from './png.js';
export { parsePpm, pixelAt, readPpm } from './ppm.js';
export { provision, readStamp } from './provision.js';
export { RESULT_PREFIX, runForResult } from './result.js';
export { consoleTail, runInLab, startLab } from './run.js';
export { screendumpVia } from './screendump.js';

/**
 * @typedef {object} Screendump What screendumpVia wrote and read: the PNG, QEMU's PPM, and the image.
 * @property {string} path the PNG written (the pngPath given)
 * @property {string} ppmPath QEMU's PPM, kept next to the PNG (same name, .ppm)
 * @property {number} width pixels per row of the scanout
 * @property {number} height rows
 * @property {Buffer} pixels width × height × 3 bytes, RGB, rows top to bottom, no padding
 */
