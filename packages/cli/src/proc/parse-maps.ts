import { assertString } from '@dmabuf/core';
/** One mapping of a dma-buf in /proc/<pid>/maps. */
export interface DmaBufMapping {
  /** The mapping's first address in the process. */
  start: bigint;
  /** The address just past its end. */
  end: bigint;
  /** end - start, in bytes. */
  bytes: number;
  /** 'rw-s' and the like. */
  perms: string;
  /** Offset into the buffer. */
  offset: number;
  /** The buffer's inode number (its identity, as in fdinfo). */
  ino: number;
  /** The buffer's name as the path shows it ('/dmabuf:NAME'); undefined when it has none. */
  name?: string;
}

const DMABUF_PATH = '/dmabuf:';

/**
 * The dma-buf mappings of a process: the lines of its maps whose path is
 * `/dmabuf:<name>` (a dma-buf fd passed to mmap). Exporters that redirect
 * the mapping to a file of their own (GEM shmem objects) show that file
 * instead, and are not dma-buf mappings here.
 */
export function parseDmaBufMaps(text: string): DmaBufMapping[] {
  assertString('text', text);
  const out: DmaBufMapping[] = [];
  for (const line of text.split('\n')) {
    const at = line.indexOf(DMABUF_PATH);
    if (at < 0) continue;
    const head = line.slice(0, at).trim().split(/\s+/);
    if (head.length !== 5) continue;
    const [range, perms, offset, , inode] = head as [string, string, string, string, string];
    const m = /^([0-9a-f]+)-([0-9a-f]+)$/.exec(range);
    if (!m || !/^\d+$/.test(inode) || !/^[0-9a-f]+$/.test(offset)) continue;
    const start = BigInt(`0x${m[1]}`);
    const end = BigInt(`0x${m[2]}`);
    if (end < start) continue;
    const mapping: DmaBufMapping = {
      start,
      end,
      bytes: Number(end - start),
      perms,
      offset: Number.parseInt(offset, 16),
      ino: Number(inode),
    };
    const name = line.slice(at + DMABUF_PATH.length).replace(/ \(deleted\)$/, '');
    if (name) mapping.name = name;
    out.push(mapping);
  }
  return out;
}
