import { assertString } from '@dmabuf/core';
/** One buffer of the kernel's /sys/kernel/debug/dma_buf/bufinfo. */
export interface KernelBuffer {
  /** The buffer's inode number: matches fdinfo's ino and the maps' inode of the same buffer. */
  ino: number;
  /** The exporter's exp_name ('udmabuf', 'system', 'drm', ...). */
  exporter: string;
  /** Bytes. */
  size: number;
  /** f_flags of the buffer's file (O_* bits; the kernel prints them in hex). */
  flags: number;
  /** f_mode of the buffer's file (FMODE_* bits, e.g. 0x1 read, 0x2 write; printed in hex). */
  mode: number;
  /** file_count: fds + mappings + references drivers hold. */
  count: number;
  /** The name set with DMA_BUF_SET_NAME; undefined when it has none ('<none>'). */
  name?: string;
  /** Devices attached to it (dev_name of each attachment). */
  attached: string[];
  /** Fence lines (dma_resv_describe), as printed. */
  fences: string[];
}

/** The kernel's debugfs dma_buf/bufinfo, parsed: every buffer and the totals line. */
export interface KernelBufInfo {
  /** Every buffer in the list, in the kernel's order. */
  buffers: KernelBuffer[];
  /** The kernel's own totals line ("Total N objects, M bytes"), when present. */
  total?: {
    /** N: the buffers the kernel counted. */
    objects: number;
    /** M: their sizes added up, in bytes. */
    bytes: number;
  };
}

const ROW = /^(\d+)\t([0-9a-f]+)\t([0-9a-f]+)\t(\d+)\t(.*)\t(\d+)\t(.*)$/;

/**
 * Parse debugfs' dma_buf/bufinfo (drivers/dma-buf/dma-buf.c,
 * dma_buf_debug_show): one row per buffer (size, flags, mode, count,
 * exp_name, ino, name), then its fences and attached devices.
 */
export function parseBufInfo(text: string): KernelBufInfo {
  assertString('text', text);
  const buffers: KernelBuffer[] = [];
  let current: KernelBuffer | undefined;
  let inDevices = false;
  let total: KernelBufInfo['total'];
  for (const line of text.split('\n')) {
    const row = ROW.exec(line);
    if (row) {
      const [, size, flags, mode, count, exporter, ino, name] = row as unknown as string[];
      current = {
        ino: Number(ino),
        exporter: exporter!,
        size: Number(size),
        flags: Number.parseInt(flags!, 16),
        mode: Number.parseInt(mode!, 16),
        count: Number(count),
        attached: [],
        fences: [],
      };
      if (name && name !== '<none>') current.name = name;
      buffers.push(current);
      inDevices = false;
      continue;
    }
    const totals = /^Total (\d+) objects, (\d+) bytes/.exec(line);
    if (totals) {
      total = { objects: Number(totals[1]), bytes: Number(totals[2]) };
      current = undefined;
      continue;
    }
    if (!current) continue;
    if (/^\tAttached Devices:/.test(line)) {
      inDevices = true;
    } else if (/^Total \d+ devices attached/.test(line)) {
      inDevices = false;
      current = undefined;
    } else if (line.startsWith('\t') && line.trim()) {
      (inDevices ? current.attached : current.fences).push(line.trim());
    }
  }
  const out: KernelBufInfo = { buffers };
  if (total) out.total = total;
  return out;
}
