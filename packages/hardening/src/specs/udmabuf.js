import { LimitsCache, UdmabufDevice } from '@dmabuf/exporter-udmabuf';
import { ERROR_CLASS, PLUGIN_HOOKS } from './reasons.js';

/** @typedef {import('../engine.js').Spec} Spec */

/** @type {Spec} */
export const udmabuf = {
  entry: '@dmabuf/exporter-udmabuf',
  exports: {
    DEFAULT_LIMITS: {},
    HUGE_PAGE_SIZE: {},
    LAYOUT_FORMATS: {},
    LimitsCache: { make: () => new LimitsCache() },
    UDMABUF_DEVICE: {},
    UDMABUF_EXP_NAME: {},
    UDMABUF_PARAMS_DIR: {},
    // the constructor only keeps the path: its methods open /dev/udmabuf (ENOENT typed off the lab)
    UdmabufDevice: { make: () => new UdmabufDevice(), aliases: ['device'] },
    UdmabufError: ERROR_CLASS,
    UdmabufExporter: PLUGIN_HOOKS,
    availableHugePages: {},
    checkRange: { aliases: ['ranges'] },
    computeLayout: {},
    exportRanges: {},
    parseExportOptions: {},
    readHugePages: {},
    readUdmabufLimits: {},
    udmabufPlugin: {},
  },
};
