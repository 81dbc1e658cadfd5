import { readdirSync } from 'node:fs';
import type { DrmDevice } from '@dmabuf/exporter-drm';
import { modifierName } from './modifier-name.js';
import { notReadOf } from './not-read.js';
import type { DeviceNotRead, DrmConnectorReport, DrmPlaneReport, DrmReport } from './types.js';

const DRI = '/dev/dri';
const MODE_TYPE_PREFERRED = 1 << 3;

/** /dev/dri/card* then renderD*, in numeric order. */
export function driNodes(dir = DRI): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const num = (s: string) => Number(/\d+$/.exec(s)?.[0] ?? 0);
  const pick = (re: RegExp) => names.filter((n) => re.test(n)).sort((a, b) => num(a) - num(b));
  return [...pick(/^card\d+$/), ...pick(/^renderD\d+$/)].map((n) => `${dir}/${n}`);
}

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
  const { DrmDevice } = await import('@dmabuf/exporter-drm');
  const out: DrmReport[] = [];
  for (const path of driNodes()) {
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
