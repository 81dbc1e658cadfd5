import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAddon } from '@dmabuf/core/driver';

/**
 * The udmabuf addon. Arguments are validated in TypeScript first; every
 * function returns a negative errno on failure instead of throwing.
 */
export interface UdmabufAddon {
  /** open(path, O_RDWR | O_CLOEXEC) */
  openDevice(path: string): number;
  /** UDMABUF_CREATE */
  create(devFd: number, memfd: number, offset: number, size: number, flags: number): number;
  /** UDMABUF_CREATE_LIST; items are [memfd, offset, size] triples. */
  createList(devFd: number, flags: number, items: Float64Array): number;
  /**
   * memfd_create + ftruncate + F_ADD_SEALS + UDMABUF_CREATE + close(memfd) in
   * one call: the dma-buf fd, or -(step * 4096 + errno) with step 1..4 in that order.
   */
  createOwn(
    devFd: number,
    name: string,
    memfdSize: number,
    memfdFlags: number,
    seals: number,
    bufSize: number,
    flags: number,
  ): number;
  /** The driver's own constant (memfd_create's and F_SEAL_* come from core's memfdBits). */
  udmabuf: {
    UDMABUF_FLAGS_CLOEXEC: number;
  };
}

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

let addon: UdmabufAddon | undefined;

/** The udmabuf addon, loaded on first use. */
export function udmabufNative(): UdmabufAddon {
  addon ??= loadAddon<UdmabufAddon>(packageRoot, '@dmabuf/exporter-udmabuf');
  return addon;
}
