import { assertString } from '@dmabuf/core';
/** What /proc/<pid>/fdinfo/<fd> says about a dma-buf fd. */
export interface DmaBufFdInfo {
  /** The buffer's inode: its identity, the same for every fd and mapping of one buffer. */
  ino: number;
  /** The kernel exporter's name: 'udmabuf', 'system', 'drm', 'virtio_gpu', ... */
  exporter: string;
  /** The buffer's size in bytes. */
  size: number;
  /** The name set with DMA_BUF_SET_NAME, if any. */
  name?: string;
  /** The kernel's reference count of the buffer's file (fds + mappings + driver references). */
  count?: number;
}

/**
 * Parse the text of a dma-buf fd's fdinfo (`size:`, `count:`, `exp_name:`,
 * `name:` from dma-buf.c, `ino:` from the VFS). Returns undefined when the
 * text is not a dma-buf's (no exp_name, or no usable ino or size).
 */
export function parseFdInfo(text: string): DmaBufFdInfo | undefined {
  assertString('text', text);
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const exporter = fields.get('exp_name');
  const ino = toCount(fields.get('ino'));
  const size = toCount(fields.get('size'));
  if (!exporter || ino === undefined || size === undefined) return undefined;
  const info: DmaBufFdInfo = { ino, exporter, size };
  const name = fields.get('name');
  if (name) info.name = name;
  const count = toCount(fields.get('count'));
  if (count !== undefined) info.count = count;
  return info;
}

/** A non-negative decimal integer, or undefined. */
export function toCount(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
