import { readlinkSync } from 'node:fs';
import { ERRNO } from './errno.js';
import { DmaBufError, invalidArgument } from './errors.js';
import { native } from './native.js';
import { check } from './syscall.js';
import { assertFd, assertObject, assertString, assertUint } from './validate.js';

/** F_SEAL_*: 'future-write' is F_SEAL_FUTURE_WRITE (Linux 5.1). */
export type MemfdSeal = 'seal' | 'shrink' | 'grow' | 'write' | 'future-write';

/** F_SEAL_FUTURE_WRITE (linux/fcntl.h); the addon's table predates it. */
const F_SEAL_FUTURE_WRITE = 0x10;

/** Options of `createMemfd`. */
export interface MemfdOptions {
  /** Allow seals to be added later (MFD_ALLOW_SEALING). Default true. */
  allowSealing?: boolean;
  /** Back it with 2 MiB huge pages (MFD_HUGETLB). */
  hugetlb?: boolean;
  /** Seals to add right away. */
  seals?: readonly MemfdSeal[];
}

let bitOf: Record<MemfdSeal, number> | undefined;
const SEAL_NAMES = "'seal', 'shrink', 'grow', 'write', 'future-write'";

function sealBits(seals: readonly MemfdSeal[]): number {
  if (!bitOf) {
    const m = native().memfd;
    bitOf = {
      seal: m.F_SEAL_SEAL,
      shrink: m.F_SEAL_SHRINK,
      grow: m.F_SEAL_GROW,
      write: m.F_SEAL_WRITE,
      'future-write': F_SEAL_FUTURE_WRITE,
    };
  }
  if (!Array.isArray(seals as unknown)) throw invalidArgument('seals', `an array of ${SEAL_NAMES}`, seals);
  let bits = 0;
  seals.forEach((s, i) => {
    const bit = typeof s === 'string' && Object.hasOwn(bitOf!, s) ? bitOf![s as MemfdSeal] : undefined;
    if (bit === undefined) throw invalidArgument(`seals[${i}]`, `one of ${SEAL_NAMES}`, s);
    bits |= bit;
  });
  return bits;
}

// The messages and hints below are built only when a call fails.

/** The kernel's numbers for a memfd's options (what `memfdBits` returns). */
export interface MemfdBits {
  /** memfd_create's flags: MFD_ALLOW_SEALING unless allowSealing is false, MFD_HUGETLB if hugetlb. */
  flags: number;
  /** F_ADD_SEALS' argument: the F_SEAL_* bits of `seals` (0 for none). */
  seals: number;
}

/**
 * The memfd_create flags and F_SEAL_* bits `createMemfd` would use for
 * `options`, for a driver whose own native call creates and seals a memfd
 * (exporter-udmabuf's one-call export). Refuses what createMemfd refuses.
 */
export function memfdBits(options: MemfdOptions = {}): MemfdBits {
  assertObject('options', options);
  const seals = options.seals === undefined ? 0 : sealBits(options.seals);
  const m = native().memfd;
  const flags =
    (options.allowSealing === false ? 0 : m.MFD_ALLOW_SEALING) | (options.hugetlb ? m.MFD_HUGETLB : 0);
  return { flags, seals };
}

/** memfd_create + ftruncate (+ seals). Returns a CLOEXEC fd the caller owns. */
export function createMemfd(name: string, size: number, options: MemfdOptions = {}): number {
  assertString('name', name, 249);
  assertUint('size', size, 2 ** 40);
  // checked before anything is created
  const { flags } = memfdBits(options);
  const fd = native().memfdCreate(name, flags);
  if (fd < 0) {
    check(fd, 'memfd_create', `cannot create memfd '${name}'`, (e) =>
      e === ERRNO.EINVAL && options.hugetlb
        ? 'hugetlb memfds need huge pages reserved: echo N > /proc/sys/vm/nr_hugepages'
        : undefined,
    );
  }
  try {
    const r = native().ftruncate(fd, size);
    if (r < 0) {
      check(r, 'ftruncate', `cannot size memfd '${name}' to ${size} bytes`, (e) =>
        e === ERRNO.EINVAL && options.hugetlb
          ? 'hugetlb memfd sizes must be multiples of the huge page size (2 MiB)'
          : undefined,
      );
    }
    if (options.seals?.length) sealMemfd(fd, options.seals);
  } catch (e) {
    native().close(fd);
    throw e;
  }
  return fd;
}

/** Add seals to a memfd. EPERM means it was created without MFD_ALLOW_SEALING (or F_SEAL_SEAL is set). */
export function sealMemfd(fd: number, seals: readonly MemfdSeal[]): void {
  assertFd('fd', fd);
  const r = native().addSeals(fd, sealBits(seals));
  if (r >= 0) return;
  check(r, 'fcntl(F_ADD_SEALS)', `cannot seal fd ${fd} with ${seals.join('+')}`, (e) => {
    if (!isMemfd(fd))
      return `fd ${fd} is not a memfd: only memfds can be sealed; create one with createMemfd()`;
    if (e === ERRNO.EPERM) {
      return 'The memfd was created without MFD_ALLOW_SEALING (or is already sealed with F_SEAL_SEAL); create it with allowSealing: true';
    }
    return undefined;
  });
}

/** Whether fd is a memfd (readlink shows /memfd:NAME). */
export function isMemfd(fd: number): boolean {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`).startsWith('/memfd:');
  } catch {
    return false;
  }
}

/** The seals present on fd. */
export function memfdSeals(fd: number): Set<MemfdSeal> {
  assertFd('fd', fd);
  const bits = check(
    native().getSeals(fd),
    'fcntl(F_GET_SEALS)',
    `cannot read seals of fd ${fd}`,
    'Pass a memfd',
  );
  const m = native().memfd;
  const out = new Set<MemfdSeal>();
  if (bits & m.F_SEAL_SEAL) out.add('seal');
  if (bits & m.F_SEAL_SHRINK) out.add('shrink');
  if (bits & m.F_SEAL_GROW) out.add('grow');
  if (bits & m.F_SEAL_WRITE) out.add('write');
  if (bits & F_SEAL_FUTURE_WRITE) out.add('future-write');
  return out;
}

/** Thrown by callers that need a memfd but got something else. */
export function notAMemfd(fd: number, link: string): DmaBufError {
  return new DmaBufError(`fd ${fd} (${link}) is not a memfd`, {
    code: 'EBADF',
    hint: 'Create the backing with createMemfd() / memfd_create()',
  });
}
