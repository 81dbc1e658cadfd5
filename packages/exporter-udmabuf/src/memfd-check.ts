import {
  assertFd,
  assertUint,
  type FdStat,
  type MemfdSeal,
  memfdSeals,
  PAGE_SIZE,
  readFdInfo,
  statFd,
} from '@dmabuf/core';
import { UdmabufError } from './errors.js';

/** One piece of a memfd to turn into (part of) a udmabuf. */
export interface MemfdRange {
  /** A memfd sealed with F_SEAL_SHRINK (and without F_SEAL_WRITE). The caller keeps it. */
  memfd: number;
  /** Byte offset in the memfd, page aligned. Default 0. */
  offset?: number;
  /** Bytes, page aligned, > 0. Default: the rest of the memfd. */
  size?: number;
}

/** A range that passed every check, with what the segment table shows of it. */
export interface CheckedRange {
  /** The memfd the range is in (the caller's fd, borrowed). */
  memfd: number;
  /** Byte offset of the range in the memfd (page aligned). */
  offset: number;
  /** Bytes of the range (page aligned). */
  size: number;
  /** `memfd:<name>#<inode>@0x<offset>` */
  source: string;
}

function memfdName(fd: number): string {
  try {
    const link = readFdInfo(fd).link;
    const m = /^\/memfd:(.*?)(?: \(deleted\))?$/.exec(link);
    return m ? m[1]! : link;
  } catch {
    return `fd ${fd}`;
  }
}

/**
 * Check one caller-provided range the way udmabuf will, and explain a
 * refusal: the fd must be an open memfd, sealed with F_SEAL_SHRINK and not
 * with F_SEAL_WRITE / F_SEAL_FUTURE_WRITE; offset and size page aligned and
 * inside the memfd.
 */
export function checkRange(range: MemfdRange, index: number): CheckedRange {
  assertUint('index', index);
  const at = `ranges[${index}]`;
  if (typeof range !== 'object' || range === null) {
    throw new UdmabufError(`${at} is not a range`, 'EINVAL', 'Pass { memfd, offset, size } objects', {
      range: index,
    });
  }
  assertFd(`${at}.memfd`, range.memfd);
  const fd = range.memfd;
  let st: FdStat;
  try {
    st = statFd(fd);
  } catch {
    throw new UdmabufError(
      `${at}.memfd: fd ${fd} is not open`,
      'EBADFD',
      'Pass an open memfd (memfd_create / createMemfd) and keep it open until the udmabuf is created',
      { range: index },
    );
  }
  let seals: Set<MemfdSeal>;
  try {
    seals = memfdSeals(fd);
  } catch {
    let link = `fd ${fd}`;
    try {
      link = `fd ${fd} (${readFdInfo(fd).link})`;
    } catch {
      // keep the plain fd number
    }
    throw new UdmabufError(
      `${at}.memfd: ${link} is not a memfd`,
      'EBADFD',
      'udmabuf pins the pages of a memfd: create one with createMemfd(name, size) (memfd_create with MFD_ALLOW_SEALING), seal it with F_SEAL_SHRINK and pass that',
      { range: index },
    );
  }
  if (!seals.has('shrink')) {
    if (seals.has('seal')) {
      throw new UdmabufError(
        `${at}.memfd: fd ${fd} lacks F_SEAL_SHRINK and can no longer get it: F_SEAL_SEAL is set (the memfd was made without MFD_ALLOW_SEALING, or sealed shut)`,
        'EINVAL',
        'Create the memfd with MFD_ALLOW_SEALING (createMemfd(name, size, { allowSealing: true })) and add F_SEAL_SHRINK before anything seals it shut',
        { range: index, seal: 'F_SEAL_SHRINK' },
      );
    }
    throw new UdmabufError(
      `${at}.memfd: fd ${fd} lacks F_SEAL_SHRINK, which udmabuf needs so the pages it pins cannot be truncated away`,
      'EINVAL',
      "Seal it first: sealMemfd(fd, ['shrink']) (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK))",
      { range: index, seal: 'F_SEAL_SHRINK' },
    );
  }
  if (seals.has('write') || seals.has('future-write')) {
    const seal = seals.has('write') ? 'F_SEAL_WRITE' : 'F_SEAL_FUTURE_WRITE';
    throw new UdmabufError(
      `${at}.memfd: fd ${fd} is sealed with ${seal}, which udmabuf refuses (devices may write through the dma-buf)`,
      'EINVAL',
      `Pass a memfd without ${seal}; seals cannot be removed, so copy the data into a new memfd sealed with F_SEAL_SHRINK only`,
      { range: index, seal },
    );
  }
  const offset = range.offset ?? 0;
  assertUint(`${at}.offset`, offset);
  if (offset % PAGE_SIZE !== 0) {
    throw new UdmabufError(
      `${at}.offset ${offset} is not a multiple of the page size (${PAGE_SIZE})`,
      'EINVAL',
      `Use a page-aligned offset, e.g. ${Math.floor(offset / PAGE_SIZE) * PAGE_SIZE} or ${Math.ceil(offset / PAGE_SIZE) * PAGE_SIZE}`,
      { range: index },
    );
  }
  const size = range.size ?? st.size - offset;
  assertUint(`${at}.size`, size);
  if (size === 0) {
    throw new UdmabufError(
      `${at} is empty (size 0${range.size === undefined ? `: offset ${offset} is at or past the end of the ${st.size}-byte memfd` : ''})`,
      'EINVAL',
      'Give every range at least one page',
      { range: index },
    );
  }
  if (size % PAGE_SIZE !== 0) {
    throw new UdmabufError(
      `${at}.size ${size} is not a multiple of the page size (${PAGE_SIZE})`,
      'EINVAL',
      `Round the size up to ${Math.ceil(size / PAGE_SIZE) * PAGE_SIZE} (and the memfd with it)`,
      { range: index },
    );
  }
  if (offset + size > st.size) {
    throw new UdmabufError(
      `${at} [${offset}, ${offset + size}) runs past the end of memfd fd ${fd} (${st.size} bytes)`,
      'EINVAL',
      'Grow the memfd first (ftruncate, before F_SEAL_GROW), or shorten the range',
      { range: index },
    );
  }
  return { memfd: fd, offset, size, source: `memfd:${memfdName(fd)}#${st.ino}@0x${offset.toString(16)}` };
}
