import { LimitsCache, UdmabufDevice, UdmabufExporter } from '@dmabuf/exporter-udmabuf';
import { closedAtEnd, ERROR_CLASS } from './reasons.js';

/** @typedef {import('../engine.js').Spec} Spec */

/** Exporters made for their methods, closed at the end (each keeps /dev/udmabuf open once used). */
const exporters = closedAtEnd(() => new UdmabufExporter());

/** @type {Spec} */
export const udmabuf = {
  entry: '@dmabuf/exporter-udmabuf',
  setup: exporters.setup,
  teardown: exporters.teardown,
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
    // its hooks called directly (the framework calls them with checked arguments; a caller that
    // reaches them gets typed refusals too): in the lab allocate reaches the real /dev/udmabuf
    UdmabufExporter: { make: exporters.make },
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
