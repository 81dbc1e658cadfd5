import { readFileSync } from 'node:fs';
import { assertString } from '@dmabuf/core';

/** Where the kernel shows udmabuf's module parameters (built in or loaded). */
export const UDMABUF_PARAMS_DIR = '/sys/module/udmabuf/parameters';

/** The kernel's limits on one udmabuf, from its module parameters. */
export interface UdmabufLimits {
  /** size_limit_mb: the largest buffer, in MiB (default 64). */
  sizeLimitMb: number;
  /** list_limit: the most ranges in one UDMABUF_CREATE_LIST (default 1024). */
  listLimit: number;
  /** Whether the figures came from sysfs or are the kernel's defaults (sysfs unreadable). */
  source: 'sysfs' | 'default';
}

/** The udmabuf module's defaults (size_limit_mb 64, list_limit 1024), used when its parameters cannot be read. */
export const DEFAULT_LIMITS: UdmabufLimits = { sizeLimitMb: 64, listLimit: 1024, source: 'default' };

function readParam(dir: string, name: string): number | undefined {
  try {
    const n = Number(readFileSync(`${dir}/${name}`, 'utf8').trim());
    return Number.isSafeInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Read size_limit_mb and list_limit now (they are writable at run time: 0644). */
export function readUdmabufLimits(dir = UDMABUF_PARAMS_DIR): UdmabufLimits {
  assertString('dir', dir);
  const sizeLimitMb = readParam(dir, 'size_limit_mb');
  const listLimit = readParam(dir, 'list_limit');
  if (sizeLimitMb === undefined && listLimit === undefined) return { ...DEFAULT_LIMITS };
  return {
    sizeLimitMb: sizeLimitMb ?? DEFAULT_LIMITS.sizeLimitMb,
    listLimit: listLimit ?? DEFAULT_LIMITS.listLimit,
    source: 'sysfs',
  };
}

/**
 * The limits, cached. A request over a cached limit re-reads sysfs before it
 * is refused, so a limit raised at run time is honoured.
 */
export class LimitsCache {
  readonly #dir: string;
  #limits: UdmabufLimits | undefined;

  constructor(dir = UDMABUF_PARAMS_DIR) {
    assertString('dir', dir);
    this.#dir = dir;
  }

  /** The folder the parameters are read from (size_limit_mb, list_limit). */
  get dir(): string {
    return this.#dir;
  }

  /** The limits, read once and kept. */
  current(): UdmabufLimits {
    this.#limits ??= readUdmabufLimits(this.#dir);
    return this.#limits;
  }

  /** The limits read again now (after a refusal: the module parameters may have changed). */
  fresh(): UdmabufLimits {
    this.#limits = readUdmabufLimits(this.#dir);
    return this.#limits;
  }
}
