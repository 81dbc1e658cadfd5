import { type DmaBuf, ERRNO, exportSyncFile, invalidArgument, type SyncFile } from '@dmabuf/core';
import { assertBuffer } from './check.js';
import type { DrmDevice } from './device.js';
import { DrmError } from './errors.js';
import { importBuffer } from './importer.js';
import { drmNative } from './native.js';
import { drmCheck } from './syscall.js';

const VGEM_FENCE_WRITE = 0x1;

/**
 * A fence that vgem attached to a buffer and that signals when signal() is
 * called (or, by vgem's own rule, after 10 s): a way to hold a dma-buf busy
 * on demand — the unsignalled fence every explicit-sync test needs, on a
 * kernel without sw_sync. The buffer must be importable into the vgem device.
 * syncFile() gives a sync_file of the buffer's fences (DMA_BUF_IOCTL_EXPORT_SYNC_FILE),
 * which stays unsignalled until this fence signals.
 */
export class VgemFence implements Disposable {
  /** The vgem device the fence was made on. */
  readonly device: DrmDevice;
  /** The buffer the fence is attached to (imported into vgem until release()). */
  readonly buffer: DmaBuf;
  /** vgem's fence id (per open file of the device). */
  readonly id: number;
  /** True for a write (exclusive) fence, false for a read (shared) one. */
  readonly write: boolean;
  readonly #release: () => void;
  #signalled = false;

  private constructor(device: DrmDevice, buffer: DmaBuf, id: number, write: boolean, release: () => void) {
    this.device = device;
    this.buffer = buffer;
    this.id = id;
    this.write = write;
    this.#release = release;
  }

  /**
   * Attach a new fence to a buffer on a vgem device (VGEM_FENCE_ATTACH): a
   * write fence by default, a read fence with { write: false }. The buffer is
   * imported into vgem (PRIME) for the handle.
   */
  static attach(device: DrmDevice, buffer: DmaBuf, options: { write?: boolean } = {}): VgemFence {
    if (!device || typeof device !== 'object' || typeof device.fd !== 'number')
      throw invalidArgument('device', 'an open DrmDevice (vgem)', device);
    assertBuffer('buffer', buffer);
    if (typeof options !== 'object' || options === null)
      throw invalidArgument('options', '{ write? }', options);
    if (device.version.name !== 'vgem') {
      throw new DrmError(device.label, `fences can be attached on vgem only, not ${device.version.name}`, {
        code: 'EOPNOTSUPP',
        hint: 'Open the vgem device (findDrmDevice({ driver: "vgem" }) or /dev/dri/card0 in the lab; modprobe vgem)',
      });
    }
    const write = options.write ?? true;
    const imp = importBuffer(device, buffer);
    let id: number;
    try {
      id = drmCheck(
        drmNative().vgemFenceAttach(device.fd, imp.handle, write ? VGEM_FENCE_WRITE : 0),
        'DRM_IOCTL_VGEM_FENCE_ATTACH',
        device.label,
        `cannot attach a ${write ? 'write' : 'read'} fence to ${buffer.label}`,
        (errno) =>
          errno === ERRNO.EBUSY
            ? 'The buffer already has an unsignalled write fence from elsewhere: signal it first'
            : undefined,
      );
    } catch (e) {
      imp.release();
      throw e;
    }
    return new VgemFence(device, buffer, id, write, () => imp.release());
  }

  /**
   * True once signal() has run (a fence vgem timed out after 10 s is not seen here until signal() is called).
   */
  get signalled(): boolean {
    return this.#signalled;
  }

  /**
   * A sync_file of the buffer's fences — for a write fence, the ones a reader
   * waits for — that signals when this fence does (and any other on the buffer).
   */
  syncFile(): SyncFile {
    return exportSyncFile(this.buffer, this.write ? 'read' : 'write');
  }

  /**
   * Signal the fence (VGEM_FENCE_SIGNAL). A second call is a no-op. A fence vgem's own timer
   * signalled already is no error. ENOENT is: this open file of vgem has no fence by this id any
   * more, because it was signalled through another path (the ioctl on the same fd).
   */
  signal(): void {
    if (this.#signalled) return;
    const r = drmNative().vgemFenceSignal(this.device.fd, this.id);
    // vgem_fence_signal_ioctl takes the fence out of the file's table and signals it; it answers
    // ETIMEDOUT when the fence had signalled already (vgem's 10 s timer), and ENOENT when the table
    // has no fence by this id: never attached on this file, or signalled by an earlier
    // VGEM_FENCE_SIGNAL. A closed file never gets that far (EBADF), so ENOENT here means someone
    // else signalled this fence: reported, not hidden.
    if (r < 0 && r !== -ERRNO.ETIMEDOUT)
      drmCheck(
        r,
        'DRM_IOCTL_VGEM_FENCE_SIGNAL',
        this.device.label,
        `cannot signal vgem fence ${this.id}`,
        (errno) =>
          errno === ERRNO.ENOENT
            ? `vgem has no fence ${this.id} on this file any more: it was signalled through another path (VGEM_FENCE_SIGNAL on the same fd); signal it through this VgemFence only`
            : undefined,
      );
    this.#signalled = true;
  }

  /** Signal the fence if not yet, and release the buffer's vgem import. */
  close(): void {
    try {
      if (!this.device.closed) this.signal();
    } finally {
      this.#release();
    }
  }

  /** `using`: close() when the scope ends. */
  [Symbol.dispose](): void {
    this.close();
  }
}
