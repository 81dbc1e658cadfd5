import { readFileSync } from 'node:fs';
import { assertObject, assertString, assertUint } from '@dmabuf/core';

/** The default huge page size on x86-64 and arm64 (what MFD_HUGETLB uses). */
export const HUGE_PAGE_SIZE = 2 * 1024 * 1024;

/** The 2 MiB huge pages of this machine, from /proc/meminfo. */
export interface HugePageInfo {
  /** HugePages_Total */
  total: number;
  /** HugePages_Free (includes reserved-but-unfaulted pages) */
  free: number;
  /** HugePages_Rsvd: promised to mappings, not yet faulted */
  reserved: number;
  /** Hugepagesize in bytes */
  size: number;
}

/** Huge page figures from /proc/meminfo (all 0 when the kernel has no hugetlb). */
export function readHugePages(path = '/proc/meminfo'): HugePageInfo {
  assertString('path', path);
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { total: 0, free: 0, reserved: 0, size: HUGE_PAGE_SIZE };
  }
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };
  const kb = field('Hugepagesize');
  return {
    total: field('HugePages_Total'),
    free: field('HugePages_Free'),
    reserved: field('HugePages_Rsvd'),
    size: kb ? kb * 1024 : HUGE_PAGE_SIZE,
  };
}

/** Huge pages that a new mapping or pin can still get. */
export function availableHugePages(info: HugePageInfo = readHugePages()): number {
  assertObject('info', info);
  assertUint('info.free', info.free);
  assertUint('info.reserved', info.reserved);
  return Math.max(0, info.free - info.reserved);
}
