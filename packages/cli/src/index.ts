export { EXIT, type Io, UsageError } from './cli/io.js';
export type { CommandSpec, OptionSpec, OptionValues } from './cli/spec.js';
export { collectDevices } from './devices/collect.js';
export type * from './devices/types.js';
export { COMMANDS, main, version } from './main.js';
export { buildSnapshot, bytesOf, type SnapshotFilter } from './model/build-snapshot.js';
export type * from './model/types.js';
export { type KernelBuffer, type KernelBufInfo, parseBufInfo } from './proc/parse-bufinfo.js';
export { type DmaBufFdInfo, parseFdInfo } from './proc/parse-fdinfo.js';
export { type DmaBufMapping, parseDmaBufMaps } from './proc/parse-maps.js';
export {
  BUFINFO,
  type HeldFd,
  PROC,
  type ProcessRecord,
  type ReadOptions,
  readSystem,
  type SystemRead,
  type Unreadable,
} from './proc/read-system.js';
