import { readdirSync } from 'node:fs';
import { assertObject, assertOneOf, DmaBufError, invalidArgument } from '@dmabuf/core';
import { QUEUE_KINDS, type QueueKind } from './constants.js';
import type { DeviceInfo } from './device-info.js';

/** What to look for among /dev/video*. */
export interface FindCriteria {
  /** A queue the node must have: 'capture', 'output', 'capture-mplane', 'output-mplane'. */
  queue?: QueueKind;
  /** QUERYCAP driver name, e.g. 'vivid', 'uvcvideo'. */
  driver?: string;
  /** A device capability the node must have, e.g. 'streaming', 'video-capture'. */
  capability?: string;
  /** Card name (exact). */
  card?: string;
  /** Bus info (exact), e.g. 'platform:vivid-000'. */
  busInfo?: string;
}

/** Why a node is not a candidate rather than a real failure: busy, permission, not V4L2. */
const SKIPPABLE = new Set([
  'EBUSY',
  'EACCES',
  'EPERM',
  'ENOTTY',
  'ENODEV',
  'ENXIO',
  'EINVAL',
  'ENOENT',
  'EIO',
]);

/** The /dev/video* nodes of this machine, in numeric order. */
export function videoNodes(dir = '/dev'): string[] {
  if (typeof dir !== 'string') throw invalidArgument('dir', 'a folder path', dir);
  return numberedNodes(dir, 'video');
}

/** The `<prefix>N` device nodes in `dir` (e.g. video0, media1), in numeric order; none when `dir` cannot be read. */
export function numberedNodes(dir: string, prefix: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const pattern = new RegExp(`^${prefix}\\d+$`);
  return names
    .filter((n) => pattern.test(n))
    .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)))
    .map((n) => `${dir}/${n}`);
}

/**
 * QUERYCAP of every node in `dir` that answers, through `query` (which opens,
 * queries and closes one node); nodes that cannot be opened are left out,
 * anything else (the addon missing) is a real error.
 */
export function listNodes(dir: string, query: (path: string) => DeviceInfo): DeviceInfo[] {
  const out: DeviceInfo[] = [];
  for (const path of videoNodes(dir)) {
    try {
      out.push(query(path));
    } catch (e) {
      if (!(e instanceof DmaBufError) || !SKIPPABLE.has(e.code)) throw e;
    }
  }
  return out;
}

/** The first node of `seen` matching every criterion; ENODEV naming what exists when none does. */
export function matchNode(criteria: FindCriteria, seen: DeviceInfo[]): DeviceInfo {
  assertObject('criteria', criteria);
  if (criteria.queue !== undefined) assertOneOf('criteria.queue', criteria.queue, QUEUE_KINDS);
  const match = seen.find(
    (d) =>
      (criteria.queue === undefined || d.queues.includes(criteria.queue)) &&
      (criteria.driver === undefined || d.driver === criteria.driver) &&
      (criteria.capability === undefined || d.deviceCaps.includes(criteria.capability)) &&
      (criteria.card === undefined || d.card === criteria.card) &&
      (criteria.busInfo === undefined || d.busInfo === criteria.busInfo),
  );
  if (match) return match;
  throw new DmaBufError(`no V4L2 device matches ${JSON.stringify(criteria)}`, {
    code: 'ENODEV',
    hint: seen.length
      ? `Devices here: ${seen.map((d) => `${d.path} (${d.driver}, ${d.queues.join('/') || 'no video queue'})`).join('; ')}`
      : 'No /dev/video* node answered: load a driver (e.g. modprobe vivid)',
  });
}
