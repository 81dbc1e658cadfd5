import { invalidArgument } from '@dmabuf/core';
import { assertRecord, assertText } from '../check.js';
import { NoDisplayError } from '../errors.js';
import type { KmsConnector, KmsCrtc, KmsPlane, KmsSnapshot } from './snapshot.js';

/** The path a picture takes: connector ← CRTC ← primary plane. */
export interface KmsPipe {
  /** The connector the picture goes out on. */
  connector: KmsConnector;
  /** The CRTC that drives it. */
  crtc: KmsCrtc;
  /** The CRTC's primary plane (undefined when the driver exposes no planes: legacy only). */
  plane: KmsPlane | undefined;
}

/**
 * Find connector → CRTC → primary plane. The connector is the one named, or
 * the first connected one; its CRTC is the one it drives now if any, else a
 * free CRTC its encoders can reach. Pure (works on a snapshot).
 */
export function choosePipe(kms: KmsSnapshot, want: { connector?: string }, device: string): KmsPipe {
  assertRecord('kms', kms);
  for (const k of ['connectors', 'crtcs', 'encoders', 'planes'] as const)
    if (!Array.isArray(kms[k])) throw invalidArgument(`kms.${k}`, 'an array (from readKms(device))', kms[k]);
  assertRecord('want', want);
  assertText('device', device);
  const states = kms.connectors.map((c) => `${c.name} ${c.connection}`).join(', ') || 'no connectors';
  const connector =
    want.connector !== undefined
      ? kms.connectors.find((c) => c.name === want.connector)
      : // A writeback connector (listed to clients that ask) writes to memory: never a default display.
        kms.connectors.find((c) => c.connection === 'connected' && !c.name.startsWith('Writeback-'));
  if (!connector) {
    throw new NoDisplayError(
      device,
      want.connector !== undefined
        ? `no connector named ${want.connector} (${states})`
        : `no display connected (${states})`,
      {
        code: 'ENODEV',
        hint:
          want.connector !== undefined
            ? 'Use one of the connector names listed'
            : 'Connect a display, or pick a device with one: findDrmDevice({ display: true })',
      },
    );
  }
  if (connector.connection !== 'connected') {
    throw new NoDisplayError(device, `connector ${connector.name} is ${connector.connection}`, {
      code: 'ENODEV',
      hint: `Connect a display to ${connector.name} or pick a connected connector (${states})`,
    });
  }
  const crtc = pickCrtc(kms, connector);
  if (!crtc) {
    throw new NoDisplayError(
      device,
      `no CRTC can drive ${connector.name} (encoders ${connector.encoders.join(', ') || 'none'})`,
      {
        code: 'EBUSY',
        hint: 'Every CRTC that reaches this connector is in use by another connector: turn one off first',
      },
    );
  }
  const bit = 1 << crtc.index;
  const planes = kms.planes.filter((p) => (p.possibleCrtcs & bit) !== 0);
  const plane =
    planes.find((p) => p.type === 'primary' && p.crtcId === crtc.id) ??
    planes.find((p) => p.type === 'primary');
  return { connector, crtc, plane };
}

function pickCrtc(kms: KmsSnapshot, connector: KmsConnector): KmsCrtc | undefined {
  const current = kms.encoders.find((e) => e.id === connector.encoderId);
  if (current?.crtcId) {
    const c = kms.crtcs.find((x) => x.id === current.crtcId);
    if (c) return c;
  }
  const busy = new Set<number>();
  for (const other of kms.connectors) {
    if (other === connector) continue;
    const enc = kms.encoders.find((e) => e.id === other.encoderId);
    if (enc?.crtcId) busy.add(enc.crtcId);
  }
  for (const encId of connector.encoders) {
    const enc = kms.encoders.find((e) => e.id === encId);
    if (!enc) continue;
    const free = kms.crtcs.find((c) => (enc.possibleCrtcs & (1 << c.index)) !== 0 && !busy.has(c.id));
    if (free) return free;
  }
  return undefined;
}
