import 'reflect-metadata';

export { type DependencyContainer, inject, injectAll, injectable, singleton } from 'tsyringe';
export { type AnyAttachment, Attachment, DeviceMapping } from './attachment.js';
export type { BufferState, BufferView } from './buffer-view.js';
export { type AllowList, PeerRefusedError } from './channel/allow-list.js';
export {
  BufferChannel,
  type ChannelOptions,
  type ConnectOptions,
  type ListenOptions,
} from './channel/buffer-channel.js';
export {
  type BufferMessage,
  type ChannelMessage,
  ChannelPeer,
  type Outgoing,
  type PlainMessage,
  type ReceiveManyOptions,
  type ReceiveOptions,
} from './channel/channel-peer.js';
export { ChannelServer } from './channel/channel-server.js';
export { MAX_MESSAGE_BYTES, type PeerCredentials } from './channel/unix-socket.js';
export { computeLayout, LAYOUT_FORMATS } from './compute-layout.js';
export type { Constraints, FormatConstraint, LabelledConstraints } from './constraints.js';
export {
  CONVERT_FORMATS,
  type ConvertFormat,
  type ConvertSource,
  convertLayout,
  convertToXrgb,
  convertToXrgbAsync,
} from './convert.js';
export { CountingExporter, type ExporterStats } from './counting-exporter.js';
export { CpuAccess, CpuMapping } from './cpu-mapping.js';
export type { DebugLog } from './debug-log.js';
export { debugLog } from './debug-log-checked.js';
export { DmaBuf } from './dma-buf.js';
export { DMA_BUF_NAME_MAX, type SyncPhase, setDmaBufName, syncDmaBuf } from './dma-buf-ioctls.js';
export { ERRNO, type ErrnoName, errnoName, errnoValue } from './errno.js';
export {
  DmaBufError,
  type DmaBufErrorOptions,
  InvalidArgumentError,
  invalidArgument,
  LifecycleError,
  NativeLoadError,
  NegotiationError,
  NotADmaBufError,
  PluginError,
  ReleasedError,
  SystemError,
} from './errors.js';
export type {
  Allocation,
  AllocationRequest,
  AttachmentInfo,
  ExportedBuffer,
  ExporterPlugin,
} from './exporter.js';
export { exporterPlugin } from './exporter-plugin.js';
export { assertFdInfo, type FdInfo, openFdCount, readFdInfo } from './fd-info.js';
export {
  closeFd,
  dupFd,
  type FdIdentity,
  type FdStat,
  fdIdentity,
  fdSize,
  isCloexec,
  SEEK_CUR,
  SEEK_END,
  SEEK_SET,
  seekFd,
  statFd,
} from './fd-ops.js';
export { foreignExporter } from './foreign-exporter.js';
export * from './formats/index.js';
export { type ExportOptions, Framework, type FrameworkOptions } from './framework.js';
export { type Importer, type ImporterAttachment, plainDevice } from './importer.js';
export { type BufferLayout, linearLayout, type PlaneLayout } from './layout.js';
export type { LeakReport } from './leak-guard.js';
export { LinkHeldError } from './lifecycle-errors.js';
export * from './link/index.js';
export { createMemfd, isMemfd, type MemfdOptions, type MemfdSeal, memfdSeals, sealMemfd } from './memfd.js';
export { liveMappings, mmapFd, munmapBuffer } from './mmap.js';
export { checkExporterWanted, checkLayout, mergeConstraints } from './negotiation.js';
export type { DmaBufPlugin } from './plugin.js';
export {
  abortError,
  POLL_EVENTS,
  type PollEvents,
  type PollOptions,
  type PollResult,
  pollFd,
  timeoutError,
} from './poll.js';
export { ExporterRegistry } from './registry.js';
export {
  CPU_ACCESS_MODES,
  type CpuAccessMode,
  MAP_DIRECTIONS,
  type MapDirection,
  type SgSegment,
  type SgTable,
} from './sg-table.js';
export { exportSyncFile, importSyncFile, SyncFile, waitIdle } from './sync-file.js';
export type { CallContext, Hint } from './syscall.js';
export { TOKENS } from './tokens.js';
export {
  assertFd,
  assertKnownKeys,
  assertObject,
  assertOneOf,
  assertPositive,
  assertString,
  assertUint,
  isPageAligned,
  PAGE_SIZE,
} from './validate.js';
export { assertLayout } from './validate-layout.js';
