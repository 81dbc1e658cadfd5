import { basename } from 'node:path';
import { assertString, closeFd, DmaBufError, ERRNO, invalidArgument } from '@dmabuf/core';
import { assertText } from './check.js';
import { runCloseCallbacks } from './close-callbacks.js';
import { DRM_CAP, DRM_CLIENT_CAP, DRM_PRIME_CAP } from './constants.js';
import { DrmError } from './errors.js';
import { DrmEventQueue } from './event-queue.js';
import { GemHandleTable } from './handle-table.js';
import { type DrmDriverVersion, drmNative } from './native.js';
import { drmCheck } from './syscall.js';

/** A DRM node: `primary` (card*: KMS and dumb buffers) or `render` (renderD*: rendering and PRIME only). */
export type DrmNodeType = 'primary' | 'render';

/** What a DRM device can do, as its driver reports it. */
export interface DrmCaps {
  /** MODE_CREATE_DUMB works here (the driver has dumb buffers and this is a primary node). */
  dumbBuffers: boolean;
  /** PRIME import (DRM_PRIME_CAP_IMPORT): dma-bufs can become GEM handles here, which DrmImporter needs. */
  primeImport: boolean;
  /**
   * PRIME export (DRM_PRIME_CAP_EXPORT): GEM buffers can be exported as dma-bufs, which the dumb exporter
   * needs.
   */
  primeExport: boolean;
  /** ADDFB2 takes format modifiers. */
  addFb2Modifiers: boolean;
  /** Atomic modesetting. */
  atomic: boolean;
  /** Modesetting at all (connectors, CRTCs): false for vgem and render nodes. */
  kms: boolean;
}

export type { DrmDriverVersion };

/** The node type of a /dev/dri path: card* is primary, renderD* is render. */
export function nodeTypeOf(path: string): DrmNodeType {
  assertText('path', path);
  return basename(path).startsWith('renderD') ? 'render' : 'primary';
}

/**
 * An open DRM device node (/dev/dri/cardN or renderDN): one fd, shared by
 * the dumb-buffer exporter, the PRIME importer and the display on it, so a
 * buffer exported here and imported back gets the same GEM handle.
 */
export class DrmDevice implements Disposable {
  /** The node it was opened from, e.g. '/dev/dri/card0'. */
  readonly path: string;
  /** 'primary' (card*: KMS and dumb buffers) or 'render' (renderD*: no modesetting). */
  readonly node: DrmNodeType;
  /** The driver's name, version and description (DRM_IOCTL_VERSION), read at open. */
  readonly version: DrmDriverVersion;
  /** What the driver said it can do at open (GET_CAP, and what a primary node allows). */
  readonly caps: DrmCaps;
  /** GEM handles this fd holds, counted (internal to the package). */
  readonly handles: GemHandleTable;
  #fd: number;
  #events: DrmEventQueue | undefined;
  readonly #onClose = new Set<() => void>();

  private constructor(path: string, fd: number) {
    this.path = path;
    this.node = nodeTypeOf(path);
    this.#fd = fd;
    const n = drmNative();
    try {
      this.version = drmCheck(
        n.version(fd),
        'DRM_IOCTL_VERSION',
        path,
        'cannot read the driver version',
        'Is this a DRM device node (/dev/dri/...)?',
      );
    } catch (e) {
      closeFd(fd);
      throw e;
    }
    this.caps = probeCaps(fd, this.node);
    this.handles = new GemHandleTable((h) => {
      if (this.#fd >= 0) drmNative().gemClose(this.#fd, h);
    });
  }

  /** Open a DRM node by path, e.g. '/dev/dri/card1' (or 'card1'). */
  static open(path: string): DrmDevice {
    assertString('path', path, 4096);
    const full = path.includes('/') ? path : `/dev/dri/${path}`;
    const fd = drmCheck(drmNative().open(full), 'open', full, 'cannot open the DRM device', (errno) =>
      errno === ERRNO.ENOENT
        ? 'No such device: list them with listDrmDevices() (the kernel needs a DRM driver loaded, e.g. vgem or virtio-gpu)'
        : errno === ERRNO.EACCES
          ? 'Permission denied: run as root or join the video/render group'
          : undefined,
    );
    return new DrmDevice(full, fd);
  }

  /** The device fd (borrowed: do not close). */
  get fd(): number {
    if (this.#fd < 0)
      throw new DrmError(this.label, 'the device is closed', {
        code: 'EBADF',
        hint: 'Open the device again',
      });
    return this.#fd;
  }

  /** True once close() has run: what needs its fd then throws DrmError (EBADF). */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /** The driver's name, e.g. 'virtio_gpu' or 'vgem'. */
  get driver(): string {
    return this.version.name;
  }

  /** How messages name this device: 'DRM card1 (virtio_gpu)'. */
  get label(): string {
    return `DRM ${basename(this.path)} (${this.version.name})`;
  }

  /** Events of this fd (page flips), polled through libuv. */
  get events(): DrmEventQueue {
    this.#events ??= new DrmEventQueue(this.fd, this.label);
    return this.#events;
  }

  /** Become DRM master (needed for modesetting; the first opener of a free device already is). */
  setMaster(): void {
    drmCheck(
      drmNative().setMaster(this.fd),
      'DRM_IOCTL_SET_MASTER',
      this.label,
      'cannot become DRM master',
      'Another process drives the display: stop it (or have it drop master) first',
    );
  }

  /** Give up DRM master so another process can set modes (this fd keeps its buffers). */
  dropMaster(): void {
    drmCheck(
      drmNative().dropMaster(this.fd),
      'DRM_IOCTL_DROP_MASTER',
      this.label,
      'cannot drop DRM master',
      'Only the current master can drop it',
    );
  }

  /** Run `fn` when the device closes (displays restore the screen here). It runs synchronously: a Promise it returns is not waited for, and its rejection is a process warning (`DMABUF_CLOSE_CALLBACK`). */
  onClose(fn: () => void): () => void {
    if (typeof fn !== 'function') throw invalidArgument('fn', 'a function', fn);
    this.#onClose.add(fn);
    return () => this.#onClose.delete(fn);
  }

  /** Close the fd. Displays on it are restored first; GEM handles die with the fd (dma-buf fds stay valid). */
  close(): void {
    if (this.#fd < 0) return;
    const errors = runCloseCallbacks([...this.#onClose], this.label);
    this.#onClose.clear();
    this.#events?.close();
    const fd = this.#fd;
    this.#fd = -1;
    this.handles.clear();
    closeFd(fd);
    if (errors.length)
      throw new DmaBufError(`${this.label}: ${errors.length} error(s) while closing`, {
        code: 'EIO',
        cause: errors[0],
      });
  }

  /** `using`: close() when the scope ends. */
  [Symbol.dispose](): void {
    this.close();
  }
}

function probeCaps(fd: number, node: DrmNodeType): DrmCaps {
  const n = drmNative();
  const cap = (c: number) => Math.max(0, n.getCap(fd, c));
  const prime = cap(DRM_CAP.PRIME);
  let atomic = false;
  let kms = false;
  if (node === 'primary') {
    kms = typeof n.getResources(fd) !== 'number';
    if (kms && n.setClientCap(fd, DRM_CLIENT_CAP.ATOMIC, 1) === 0) {
      atomic = true;
      n.setClientCap(fd, DRM_CLIENT_CAP.ATOMIC, 0);
    }
  }
  return {
    dumbBuffers: node === 'primary' && hasDumb(fd),
    primeImport: (prime & DRM_PRIME_CAP.IMPORT) !== 0,
    primeExport: (prime & DRM_PRIME_CAP.EXPORT) !== 0,
    addFb2Modifiers: kms && cap(DRM_CAP.ADDFB2_MODIFIERS) > 0,
    atomic,
    kms,
  };
}

/**
 * Dumb buffers: the cap, or (drivers without KMS such as vgem answer the cap
 * with EINVAL yet implement the ioctl) a 1x1 create that is closed at once.
 */
function hasDumb(fd: number): boolean {
  const n = drmNative();
  const c = n.getCap(fd, DRM_CAP.DUMB_BUFFER);
  if (c >= 0) return c > 0;
  const d = n.createDumb(fd, 1, 1, 32);
  if (typeof d === 'number') return false;
  n.gemClose(fd, d.handle);
  return true;
}
