import { accessSync, constants, existsSync } from 'node:fs';
import type { HeapReport, UdmabufReport } from './types.js';

function canOpen(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** The dma-heaps (/dev/dma_heap/*) and whether this user can allocate from them. */
export async function collectHeaps(): Promise<HeapReport[]> {
  const { listHeaps } = await import('@dmabuf/exporter-heap');
  return listHeaps().map((h) => ({ name: h.name, path: h.path, accessible: canOpen(h.path) }));
}

/** /dev/udmabuf, its module limits and the huge pages a hugetlb udmabuf can use. */
export async function collectUdmabuf(): Promise<UdmabufReport> {
  const { UDMABUF_DEVICE, readHugePages, readUdmabufLimits } = await import('@dmabuf/exporter-udmabuf');
  const hp = readHugePages();
  return {
    path: UDMABUF_DEVICE,
    present: existsSync(UDMABUF_DEVICE),
    accessible: canOpen(UDMABUF_DEVICE),
    limits: readUdmabufLimits(),
    hugePages: { total: hp.total, free: hp.free, size: hp.size },
  };
}
