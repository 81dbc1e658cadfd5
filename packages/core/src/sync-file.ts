import { readlinkSync } from 'node:fs';
import type { DmaBuf } from './dma-buf.js';
import { ERRNO } from './errno.js';
import { DmaBufError, invalidArgument, ReleasedError, SystemError } from './errors.js';
import { closeFd } from './fd-ops.js';
import { native } from './native.js';
import { checkPollOptions, type PollOptions, waitFd } from './poll.js';
import { CPU_ACCESS_MODES, type CpuAccessMode } from './sg-table.js';
import { check } from './syscall.js';
import { assertFd, assertOneOf } from './validate.js';

const SYNC_FLAGS: Record<CpuAccessMode, 'READ' | 'WRITE' | 'RW'> = {
  read: 'READ',
  write: 'WRITE',
  readwrite: 'RW',
};
const { EBADF, EINVAL, ENOTTY, EPERM } = ERRNO;
const SYNC_FILE_LINK = 'anon_inode:sync_file';

/** What /proc/self/fd shows for fd, or undefined when it is not open. */
function fdLink(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** Set while exportSyncFile wraps an fd the kernel just made a sync_file. */
let fromKernel = false;

function assertBuffer(buf: DmaBuf): void {
  if (typeof buf !== 'object' || buf === null || typeof (buf as DmaBuf).borrowFd !== 'function') {
    throw invalidArgument('buf', 'a DmaBuf', buf);
  }
}

function notKernelHint(buf: DmaBuf): string {
  return `${buf.label} is not a kernel dma-buf (exporter ${buf.exporter.name}), so it has no fences; fences exist on buffers from udmabuf, DRM, dma-heaps or V4L2`;
}

function syncHint(buf: DmaBuf, errno: number): string | undefined {
  if (errno === ENOTTY) return notKernelHint(buf);
  if (errno === EINVAL) return "The kernel refused the flags: pass mode 'read', 'write' or 'readwrite'";
  return undefined;
}

/**
 * A sync_file: an fd that stands for one or more dma fences. It becomes
 * readable when every fence has signalled. Own it: close() it (or `using`).
 */
export class SyncFile implements Disposable {
  #fd: number;

  /** Take ownership of a sync_file fd (e.g. one received from another process). */
  constructor(fd: number) {
    assertFd('fd', fd);
    if (!fromKernel) {
      const link = fdLink(fd);
      if (link === undefined)
        throw new SystemError(
          `fd ${fd} is not open`,
          EBADF,
          'readlink(/proc/self/fd)',
          'Pass an open sync_file fd',
        );
      if (link !== SYNC_FILE_LINK)
        throw invalidArgument(
          'fd',
          'a sync_file fd',
          `fd ${fd} (${link})`,
          'A sync_file comes from exportSyncFile(), a driver (out-fence) or another process; the fd stays yours',
        );
    }
    this.#fd = fd;
  }

  /** The sync_file fd (borrowed: use close() to close it). */
  get fd(): number {
    if (this.#fd < 0) throw new ReleasedError('sync_file');
    return this.#fd;
  }

  /** True once close() has run; fd then throws ReleasedError. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /**
   * Wait until the fences signal (POLLIN on the sync_file), without blocking
   * the JS thread. A fence that signalled with an error rejects with EIO.
   */
  async wait(options: PollOptions = {}): Promise<void> {
    checkPollOptions(options);
    const r = await waitFd(
      this.fd,
      'in',
      options,
      `waiting for sync_file fd ${this.#fd}`,
      'Raise timeoutMs, or check that the device that holds the fence is running',
    );
    if (r.error) {
      throw new DmaBufError(`sync_file fd ${this.#fd} signalled with an error`, {
        code: 'EIO',
        hint: 'The device work behind the fence failed; check the driver (dmesg) and retry the job',
      });
    }
  }

  /** Close the sync_file fd (once; later calls do nothing). The fence itself is not affected. */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    closeFd(fd);
  }

  /** `using`: close() when the scope ends. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * DMA_BUF_IOCTL_EXPORT_SYNC_FILE: a sync_file with the buffer's current
 * fences — 'read': the fences a reader must wait for (writers); 'write' /
 * 'readwrite': every fence (readers and writers).
 */
export function exportSyncFile(buf: DmaBuf, mode: CpuAccessMode): SyncFile {
  assertBuffer(buf);
  assertOneOf('mode', mode, CPU_ACCESS_MODES);
  const fd = check(
    native().exportSyncFile(buf.borrowFd(), native().dmaBufSync[SYNC_FLAGS[mode]]),
    'ioctl(DMA_BUF_IOCTL_EXPORT_SYNC_FILE)',
    `${buf.label}: cannot export a sync_file`,
    (e) => syncHint(buf, e),
  );
  return trustedSyncFile(fd);
}

/**
 * @internal A SyncFile over an fd not checked to be a sync_file: one the
 * kernel just returned as such, or (tests) a stand-in whose poll acts alike.
 */
export function trustedSyncFile(fd: number): SyncFile {
  fromKernel = true;
  try {
    return new SyncFile(fd);
  } finally {
    fromKernel = false;
  }
}

/**
 * DMA_BUF_IOCTL_IMPORT_SYNC_FILE: add the sync_file's fences to the buffer,
 * as a reader ('read') or a writer ('write' / 'readwrite'), so implicit-sync
 * users of the buffer wait for them. The sync_file stays the caller's.
 */
export function importSyncFile(buf: DmaBuf, syncFile: SyncFile, mode: CpuAccessMode): void {
  assertBuffer(buf);
  if (!(syncFile instanceof SyncFile)) throw invalidArgument('syncFile', 'a SyncFile', syncFile);
  assertOneOf('mode', mode, CPU_ACCESS_MODES);
  check(
    native().importSyncFile(buf.borrowFd(), native().dmaBufSync[SYNC_FLAGS[mode]], syncFile.fd),
    'ioctl(DMA_BUF_IOCTL_IMPORT_SYNC_FILE)',
    `${buf.label}: cannot import a sync_file`,
    (e) =>
      e === EINVAL && fdLink(syncFile.fd) !== SYNC_FILE_LINK
        ? `fd ${syncFile.fd} is no longer a sync_file (it was closed and reused behind the SyncFile); keep the SyncFile the only owner of its fd`
        : syncHint(buf, e),
  );
}

/**
 * Wait until the buffer is idle for `mode` by polling the dma-buf itself:
 * 'read' waits for pending writers (POLLIN: safe to read), 'write' and
 * 'readwrite' wait for every fence (POLLOUT: safe to write).
 */
export async function waitIdle(buf: DmaBuf, mode: CpuAccessMode, options: PollOptions = {}): Promise<void> {
  assertBuffer(buf);
  assertOneOf('mode', mode, CPU_ACCESS_MODES);
  checkPollOptions(options);
  const what = `${buf.label}: waiting for ${mode === 'read' ? 'writers' : 'every fence'} to finish`;
  try {
    await waitFd(
      buf.borrowFd(),
      mode === 'read' ? 'in' : 'out',
      options,
      what,
      'Raise timeoutMs, or check that the device using the buffer makes progress',
    );
  } catch (e) {
    // epoll refuses files without a poll method (EPERM): a memfd, not a dma-buf.
    if (e instanceof SystemError && e.errno === EPERM) {
      throw new SystemError(what, EPERM, 'epoll_ctl', notKernelHint(buf), e);
    }
    throw e;
  }
}
