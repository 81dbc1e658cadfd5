import 'reflect-metadata';

export { inject, injectAll, injectable, singleton, type DependencyContainer } from 'tsyringe';
export { Attachment, DeviceMapping } from './attachment.js';
export type { Constraints, FormatConstraint, LabelledConstraints } from './constraints.js';
export { CpuAccess, CpuMapping } from './cpu-mapping.js';
export { DmaBuf, type BufferState } from './dma-buf.js';
export { errnoName, errnoValue } from './errno.js';
export {
  DmaBufError,
  InvalidArgumentError,
  LifecycleError,
  NativeLoadError,
  NegotiationError,
  NotADmaBufError,
  PluginError,
  ReleasedError,
  SystemError,
  invalidArgument,
  type DmaBufErrorOptions,
} from './errors.js';
export type { Allocation, AllocationRequest, AttachmentInfo, ExportedBuffer, ExporterPlugin } from './exporter.js';
export { closeFd, dupFd, fdIdentity, fdSize, isCloexec, seekFd, SEEK_CUR, SEEK_END, SEEK_SET, type FdIdentity } from './fd-ops.js';
export { openFdCount, readFdInfo, type FdInfo } from './fd-info.js';
export { foreignExporter } from './foreign-exporter.js';
export { Framework, type ExportOptions, type FrameworkOptions } from './framework.js';
export { plainDevice, type Importer, type ImporterAttachment } from './importer.js';
export { linearLayout, type BufferLayout, type PlaneLayout } from './layout.js';
export type { LeakReport } from './leak-guard.js';
export { loadAddon } from './load-addon.js';
export { createMemfd, isMemfd, sealMemfd, memfdSeals, type MemfdOptions, type MemfdSeal } from './memfd.js';
export { native, type CoreAddon } from './native.js';
export { checkLayout, mergeConstraints } from './negotiation.js';
export { callHook, callHookAsync, type DmaBufPlugin } from './plugin.js';
export { ExporterRegistry } from './registry.js';
export { CPU_ACCESS_MODES, MAP_DIRECTIONS, type CpuAccessMode, type MapDirection, type SgSegment, type SgTable } from './sg-table.js';
export { check } from './syscall.js';
export { TOKENS } from './tokens.js';
export { PAGE_SIZE, assertFd, assertObject, assertOneOf, assertPositive, assertString, assertUint, isPageAligned } from './validate.js';
export { POLL_EVENTS, abortError, pollFd, timeoutError, type PollEvents, type PollOptions, type PollResult } from './poll.js';
export { SyncFile, exportSyncFile, importSyncFile, waitIdle } from './sync-file.js';
export { PeerRefusedError, type AllowList } from './channel/allow-list.js';
export { BufferChannel, type ChannelOptions, type ConnectOptions, type ListenOptions } from './channel/buffer-channel.js';
export { ChannelPeer, type BufferMessage, type ChannelMessage, type PlainMessage, type ReceiveOptions } from './channel/channel-peer.js';
export { ChannelServer } from './channel/channel-server.js';
export { MAX_MESSAGE_BYTES, type PeerCredentials } from './channel/unix-socket.js';
