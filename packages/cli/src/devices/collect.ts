import { collectDrm } from './drm.js';
import { collectHeaps, collectUdmabuf } from './memory.js';
import type { DeviceNotRead, DevicesReport } from './types.js';
import { collectV4l2 } from './v4l2.js';

/** What `dmabuf devices` shows: every V4L2 and DRM node, the dma-heaps and udmabuf. */
export async function collectDevices(): Promise<DevicesReport> {
  const notRead: DeviceNotRead[] = [];
  const v4l2 = await collectV4l2(notRead);
  const drm = await collectDrm(notRead);
  return { v4l2, drm, heaps: await collectHeaps(), udmabuf: await collectUdmabuf(), notRead };
}
