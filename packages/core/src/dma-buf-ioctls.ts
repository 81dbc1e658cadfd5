import { DmaBufError } from './errors.js';
import { native } from './native.js';
import type { CpuAccessMode } from './sg-table.js';
import { type CallContext, check } from './syscall.js';
import { assertFd, assertOneOf, assertString } from './validate.js';

/** Phase of a CPU access, as DMA_BUF_SYNC_START / DMA_BUF_SYNC_END. */
export type SyncPhase = 'start' | 'end';

const SYNC_PHASES: readonly SyncPhase[] = ['start', 'end'];
const MODES: readonly CpuAccessMode[] = ['read', 'write', 'readwrite'];
const SYNC_FLAGS: Record<CpuAccessMode, 'READ' | 'WRITE' | 'RW'> = {
  read: 'READ',
  write: 'WRITE',
  readwrite: 'RW',
};

/**
 * DMA_BUF_IOCTL_SYNC on a dma-buf fd: begin (`'start'`) or end (`'end'`) CPU
 * access in `mode`. For exporters whose beginCpuAccess/endCpuAccess hooks do
 * more than the default sync (count, flush caches of their own) and then sync.
 */
export function syncDmaBuf(
  fd: number,
  mode: CpuAccessMode,
  phase: SyncPhase,
  context: CallContext = {},
): void {
  assertFd('fd', fd);
  assertOneOf('mode', mode, MODES);
  assertOneOf('phase', phase, SYNC_PHASES);
  const r = syncRaw(fd, mode, phase);
  if (r < 0)
    check(
      r,
      'ioctl(DMA_BUF_IOCTL_SYNC)',
      context.what ?? `fd ${fd}: CPU access sync ${phase === 'start' ? 'START' : 'END'} failed`,
      context.hint,
    );
}

/** @internal DMA_BUF_IOCTL_SYNC without checks: 0 or -errno (the core's own buffers, arguments already checked). */
export function syncRaw(fd: number, mode: CpuAccessMode, phase: SyncPhase): number {
  const c = native().dmaBufSync;
  return native().sync(fd, c[SYNC_FLAGS[mode]] | (phase === 'start' ? c.START : c.END));
}

/** The kernel's limit for DMA_BUF_SET_NAME (DMA_BUF_NAME_LEN - 1). */
export const DMA_BUF_NAME_MAX = 31;

/** @internal A name DMA_BUF_SET_NAME takes: a string of at most 31 bytes. */
export function assertDmaBufName(name: string): void {
  assertString('name', name, DMA_BUF_NAME_MAX);
  if (Buffer.byteLength(name) > DMA_BUF_NAME_MAX) {
    throw new DmaBufError(`buffer name '${name}' is longer than ${DMA_BUF_NAME_MAX} bytes`, {
      code: 'EINVAL',
      hint: 'Use a shorter name',
    });
  }
}

/** DMA_BUF_SET_NAME on a dma-buf fd: at most 31 bytes; shows as `name:` in fdinfo. */
export function setDmaBufName(fd: number, name: string, context: CallContext = {}): void {
  assertFd('fd', fd);
  assertDmaBufName(name);
  const r = native().setName(fd, name);
  if (r < 0) check(r, 'ioctl(DMA_BUF_SET_NAME)', context.what ?? `fd ${fd}: cannot set name`, context.hint);
}
