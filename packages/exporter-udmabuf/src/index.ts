/** @deprecated moved to @dmabuf/core; re-exported here for existing imports. */
export { computeLayout, LAYOUT_FORMATS } from '@dmabuf/core';
export { UDMABUF_DEVICE, UdmabufDevice } from './device.js';
export { UdmabufError, type UdmabufErrorDetail } from './errors.js';
export { exportRanges } from './export-ranges.js';
export {
  UDMABUF_EXP_NAME,
  UdmabufExporter,
  type UdmabufExporterOptions,
  type UdmabufPriv,
  type UdmabufStats,
} from './exporter.js';
export { availableHugePages, HUGE_PAGE_SIZE, type HugePageInfo, readHugePages } from './hugepages.js';
export {
  DEFAULT_LIMITS,
  LimitsCache,
  readUdmabufLimits,
  UDMABUF_PARAMS_DIR,
  type UdmabufLimits,
} from './limits.js';
export { type CheckedRange, checkRange, type MemfdRange } from './memfd-check.js';
export { parseExportOptions, type UdmabufExportOptions } from './options.js';
export { udmabufPlugin } from './plugin.js';
