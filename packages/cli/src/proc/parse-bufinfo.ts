import { assertString } from '@dmabuf/core';
/** One buffer of the kernel's /sys/kernel/debug/dma_buf/bufinfo. */
export interface KernelBuffer {
  ino: number;
  exporter: string;
  size: number;
  /** f_flags of the buffer's file (octal digits as the kernel prints them, hex here). */
  flags: number;
  mode: number;
  /** file_count: fds + mappings + references drivers hold. */
  count: number;
  name?: string;
  /** Devices attached to it (dev_name of each attachment). */
  attached: string[];
  /** Fence lines (dma_resv_describe), as printed. */
  fences: string[];
}

/** The kernel's debugfs dma_buf/bufinfo, parsed: every buffer and the totals line. */
export interface KernelBufInfo {
  buffers: KernelBuffer[];
  /** The kernel's own totals line ("Total N objects, M bytes"), when present. */
  total?: { objects: number; bytes: number };
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
