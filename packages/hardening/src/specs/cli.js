import { ERROR_CLASS } from './reasons.js';

/** @typedef {import('../engine.js').Spec} Spec */

/** @type {Spec} */
export const cli = {
  entry: '@dmabuf/cli',
  exports: {
    BUFINFO: {},
    COMMANDS: {},
    EXIT: {},
    PROC: {},
    UsageError: ERROR_CLASS,
    buildSnapshot: {},
    bytesOf: {},
    collectDevices: {},
    main: {},
    parseBufInfo: {},
    parseDmaBufMaps: {},
    parseFdInfo: {},
    readSystem: {},
    version: {},
  },
};
