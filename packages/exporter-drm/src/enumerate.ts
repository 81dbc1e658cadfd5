import { readdirSync } from 'node:fs';
import { assertObject, DmaBufError, invalidArgument } from '@dmabuf/core';
import { assertRecord, assertText } from './check.js';
import { type DrmCaps, DrmDevice, type DrmDriverVersion, type DrmNodeType } from './device.js';
import { NoDisplayError } from './errors.js';
import type { Connection } from './kms/connector-names.js';
import { readKms } from './kms/snapshot.js';

/** One DRM node as listDrmDevices() found it. */
export interface DrmDeviceInfo {
  /** The node, e.g. '/dev/dri/card0'. */
  path: string;
  /** 'primary' (card*) or 'render' (renderD*). */
  node: DrmNodeType;
  /** The driver's name, e.g. 'virtio_gpu', 'vgem', 'vkms', 'i915'. */
  driver: string;
  /** The driver's version and description. */
  version: DrmDriverVersion;
  /** What the driver can do. */
  caps: DrmCaps;
  /** Connectors and their state (KMS devices only). */
  connectors: {
    /** The connector's name, e.g. 'Virtual-1', 'HDMI-A-1'. */
    name: string;
    /** Whether something is plugged in: 'connected', 'disconnected' or 'unknown'. */
    connection: Connection;
    /** How many modes it lists (GETCONNECTOR). */
    modes: number;
  }[];
}

/** What a caller needs of a device; findDrmDevice() opens the first that has all of it. */
export interface DrmDeviceNeeds {
  /** A connected display (a KMS connector that says connected). */
  display?: boolean;
  /** A named connector, e.g. 'Virtual-1' (implies display). */
  connector?: string;
  /** true: dumb buffers must work (a primary node whose driver has them); omitted or false: not asked. */
  dumbBuffers?: boolean;
  /** true: PRIME import must work (DrmImporter); omitted or false: not asked. */
  primeImport?: boolean;
  /** true: PRIME export must work (the dumb exporter); omitted or false: not asked. */
  primeExport?: boolean;
  /** true: atomic modesetting must work; omitted or false: not asked. */
  atomic?: boolean;
  /** true: ADDFB2 must take format modifiers; omitted or false: not asked. */
  addFb2Modifiers?: boolean;
  /** true: modesetting (connectors, CRTCs) must work; omitted or false: not asked. */
  kms?: boolean;
  /** The driver's name, e.g. 'vgem'. */
  driver?: string;
  /** Node type (default: any; primary nodes are tried first). */
  node?: DrmNodeType;
}

const DRI = '/dev/dri';

/** The DRM nodes of this machine: /dev/dri/card* then renderD*, each in numeric order. */
export function drmNodes(dir = DRI): string[] {
  assertText('dir', dir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const num = (s: string) => Number(/\d+$/.exec(s)?.[0] ?? 0);
  const cards = names.filter((n) => /^card\d+$/.test(n)).sort((a, b) => num(a) - num(b));
  const renders = names.filter((n) => /^renderD\d+$/.test(n)).sort((a, b) => num(a) - num(b));
  return [...cards, ...renders].map((n) => `${dir}/${n}`);
}

function describe(dev: DrmDevice): DrmDeviceInfo {
  const connectors = dev.caps.kms
    ? readKms(dev, { planes: false }).connectors.map((c) => ({
        name: c.name,
        connection: c.connection,
        modes: c.modes.length,
      }))
    : [];
  return {
    path: dev.path,
    node: dev.node,
    driver: dev.driver,
    version: dev.version,
    caps: dev.caps,
    connectors,
  };
}

/** Every DRM node (primary nodes first), with driver, capabilities and connectors. Nodes that cannot be opened are left out. */
export function listDrmDevices(dir = DRI): DrmDeviceInfo[] {
  assertText('dir', dir);
  const out: DrmDeviceInfo[] = [];
  for (const path of drmNodes(dir)) {
    let dev: DrmDevice;
    try {
      dev = DrmDevice.open(path);
    } catch {
      continue;
    }
    try {
      out.push(describe(dev));
    } finally {
      dev.close();
    }
  }
  return out;
}

/** Why a device does not fit the needs ('' when it fits). Pure: works on a DrmDeviceInfo. */
export function unmetNeeds(info: DrmDeviceInfo, needs: DrmDeviceNeeds): string {
  assertRecord('info', info);
  if (typeof info.driver !== 'string' || typeof info.node !== 'string' || !Array.isArray(info.connectors))
    throw invalidArgument('info', 'a DrmDeviceInfo (from listDrmDevices())', info);
  assertRecord('needs', needs);
  const missing: string[] = [];
  if (needs.driver !== undefined && info.driver !== needs.driver)
    missing.push(`driver is ${info.driver}, not ${needs.driver}`);
  if (needs.node !== undefined && info.node !== needs.node) missing.push(`a ${info.node} node`);
  for (const k of [
    'dumbBuffers',
    'primeImport',
    'primeExport',
    'atomic',
    'addFb2Modifiers',
    'kms',
  ] as const) {
    if (needs[k] && !info.caps[k]) missing.push(`no ${k}`);
  }
  if (needs.connector !== undefined) {
    const c = info.connectors.find((x) => x.name === needs.connector);
    if (!c) missing.push(`no connector ${needs.connector}`);
    else if (c.connection !== 'connected') missing.push(`${c.name} is ${c.connection}`);
  } else if (needs.display) {
    if (!info.caps.kms) missing.push('no KMS');
    else if (!info.connectors.some((c) => c.connection === 'connected')) {
      missing.push(
        info.connectors.length
          ? `no connected display (${info.connectors.map((c) => `${c.name} ${c.connection}`).join(', ')})`
          : 'no connectors',
      );
    }
  }
  return missing.join(', ');
}

/**
 * Open the first DRM device that has what `needs` asks for, e.g.
 * findDrmDevice({ display: true }) or findDrmDevice({ driver: 'vgem' }).
 * Throws saying what each device lacked.
 */
export function findDrmDevice(needs: DrmDeviceNeeds = {}, dir = DRI): DrmDevice {
  assertText('dir', dir);
  assertObject('needs', needs);
  const reasons: string[] = [];
  for (const path of drmNodes(dir)) {
    let dev: DrmDevice;
    try {
      dev = DrmDevice.open(path);
    } catch (e) {
      reasons.push(`${path}: ${(e as Error).message}`);
      continue;
    }
    let why: string;
    try {
      why = unmetNeeds(describe(dev), needs);
    } catch (e) {
      why = (e as Error).message;
    }
    if (!why) return dev;
    reasons.push(`${dev.label}: ${why}`);
    dev.close();
  }
  const wanted = JSON.stringify(needs);
  const message = reasons.length
    ? `no DRM device has ${wanted}: ${reasons.join('; ')}`
    : `no DRM device under ${dir}`;
  const hint = reasons.length
    ? 'Connect a display or pick another device (listDrmDevices() shows what each can do)'
    : 'Load a DRM driver (vgem, virtio-gpu, your GPU driver) or run inside the virtual lab (npx -p @dmabuf/lab dmabuf-lab run -- <command>)';
  if (needs.display || needs.connector) throw new NoDisplayError(dir, message, { code: 'ENODEV', hint });
  throw new DmaBufError(message, { code: 'ENODEV', hint });
}
