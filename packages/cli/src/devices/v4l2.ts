import type { Fraction, FrameSize, QueueKind, V4l2Device } from '@dmabuf/importer-v4l2';
import { notReadOf } from './not-read.js';
import type { DeviceNotRead, V4l2QueueReport, V4l2Report, V4l2Size } from './types.js';

function fps(f: Fraction): string {
  if (!f.numerator) return '?';
  const r = f.denominator / f.numerator;
  return Number.isInteger(r) ? String(r) : r.toFixed(2);
}

function sizesOf(dev: V4l2Device, fourcc: string): V4l2Size[] {
  let sizes: FrameSize[];
  try {
    sizes = dev.frameSizes(fourcc);
  } catch {
    return []; // the node does not enumerate sizes (output queues of many drivers)
  }
  return sizes.map((s) => {
    if (s.type !== 'discrete') {
      return {
        type: s.type,
        size: `${s.minWidth}x${s.minHeight}..${s.maxWidth}x${s.maxHeight} step ${s.stepWidth}x${s.stepHeight}`,
        rates: [],
      };
    }
    let rates: string[] = [];
    try {
      rates = dev
        .frameIntervals(fourcc, s.minWidth, s.minHeight)
        .map((i) => (i.type === 'discrete' ? fps(i.min) : `${fps(i.max)}..${fps(i.min)}`));
    } catch {
      // no interval enumeration for this size
    }
    return { type: s.type, size: `${s.minWidth}x${s.minHeight}`, rates };
  });
}

function queueOf(dev: V4l2Device, kind: QueueKind): V4l2QueueReport {
  const q: V4l2QueueReport = {
    kind,
    formats: dev.formats(kind).map((f) => ({
      fourcc: f.pixelformat.trimEnd(),
      description: f.description,
      compressed: f.compressed,
      sizes: sizesOf(dev, f.pixelformat),
    })),
  };
  try {
    const caps = dev.bufferCapabilities(kind);
    q.dmabufImport = caps.dmabuf;
    q.mmapExport = caps.mmap;
  } catch (e) {
    const err = e as { code?: string; message?: string };
    q.capabilitiesError =
      err.code === 'EBUSY'
        ? 'EBUSY: another process has buffers on this queue (streaming?)'
        : `${err.code ?? 'EIO'}: ${err.message}`;
  }
  return q;
}

/** Every /dev/video* node: QUERYCAP, each queue's formats, sizes, rates and dma-buf support. */
export async function collectV4l2(notRead: DeviceNotRead[]): Promise<V4l2Report[]> {
  const { V4l2Device, videoNodes } = await import('@dmabuf/importer-v4l2');
  const out: V4l2Report[] = [];
  for (const path of videoNodes()) {
    try {
      using dev = V4l2Device.open(path);
      const i = dev.info;
      out.push({
        path,
        driver: i.driver,
        card: i.card,
        busInfo: i.busInfo,
        version: i.version,
        deviceCaps: i.deviceCaps,
        queues: i.queues.map((k) => queueOf(dev, k)),
      });
    } catch (e) {
      notRead.push(notReadOf(path, e));
    }
  }
  return out;
}
