import { modifierName } from '@dmabuf/core';
import type { DrmDevice } from '@dmabuf/exporter-drm';
import { notReadOf } from './not-read.js';
import type { DeviceNotRead, DrmConnectorReport, DrmPlaneReport, DrmReport } from './types.js';

const MODE_TYPE_PREFERRED = 1 << 3;

async function kmsOf(
  dev: DrmDevice,
): Promise<{ connectors: DrmConnectorReport[]; planes: DrmPlaneReport[] }> {
  const { describeMode, planeModifiers, readKms } = await import('@dmabuf/exporter-drm');
  const kms = readKms(dev);
  const connectors = kms.connectors.map((c) => ({
    name: c.name,
    connection: c.connection,
    modes: c.modes.map((m) => `${describeMode(m)}${m.type & MODE_TYPE_PREFERRED ? '*' : ''}`),
  }));
  const planes = kms.planes.map((p) => {
    const formats: Record<string, string[]> = {};
    for (const [f, mods] of planeModifiers(dev, p)) formats[f] = mods.map(modifierName);
    return { id: p.id, type: p.type, formats };
  });
  return { connectors, planes };
}

/** Every DRM node: driver, node type, PRIME and KMS caps, connectors with modes, planes with formats and modifiers. */
export async function collectDrm(notRead: DeviceNotRead[]): Promise<DrmReport[]> {
  const { DrmDevice, drmNodes } = await import('@dmabuf/exporter-drm');
  const out: DrmReport[] = [];
  for (const path of drmNodes()) {
    try {
      using dev = DrmDevice.open(path);
      const v = dev.version;
      const { connectors, planes } = dev.caps.kms ? await kmsOf(dev) : { connectors: [], planes: [] };
      out.push({
        path,
        node: dev.node,
        driver: dev.driver,
        version: `${v.name} ${v.major}.${v.minor}.${v.patch}${v.desc ? ` (${v.desc})` : ''}`,
        caps: { ...dev.caps },
        connectors,
        planes,
      });
    } catch (e) {
      notRead.push(notReadOf(path, e));
    }
  }
  return out;
}
