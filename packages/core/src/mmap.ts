import { invalidArgument } from './errors.js';
import { native } from './native.js';
import { type CallContext, check } from './syscall.js';
import { assertFd } from './validate.js';

/**
 * mmap(fd, offset, length) shared, read-only or read-write: an external
 * ArrayBuffer over the mapping, detached by munmapBuffer() so a stale view
 * throws instead of touching unmapped memory. Works on a dma-buf fd and on a
 * device fd whose driver maps buffers at offsets (V4L2 after QUERYBUF).
 */
export function mmapFd(
  fd: number,
  offset: number,
  length: number,
  writable: boolean,
  context: CallContext = {},
): ArrayBuffer {
  assertFd('fd', fd);
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalidArgument('offset', 'an integer >= 0', offset);
  if (!Number.isSafeInteger(length) || length <= 0) throw invalidArgument('length', 'an integer > 0', length);
  const n = native();
  const r = n.mmap(fd, offset, length, n.PROT_READ | (writable ? n.PROT_WRITE : 0));
  if (typeof r === 'number')
    return check<ArrayBuffer>(
      r,
      'mmap',
      context.what ?? `cannot map ${length} bytes of fd ${fd}`,
      context.hint,
    );
  return r;
}

/** munmap of a mapping made by mmapFd(); its ArrayBuffer is detached (length 0, views throw). */
export function munmapBuffer(buffer: ArrayBuffer, context: CallContext = {}): void {
  if (!(buffer instanceof ArrayBuffer))
    throw invalidArgument('buffer', 'an ArrayBuffer from mmapFd()', buffer);
  const r = native().munmap(buffer);
  if (r < 0) check(r, 'munmap', context.what ?? 'cannot unmap a mapping', context.hint);
}

/**
 * @internal Fault in every page of a mapping made by mmapFd() now
 * (MADV_POPULATE_WRITE / _READ): one system call instead of a page fault per
 * page at first touch. Advisory: false where it does not apply (a driver
 * that maps its pages itself, a kernel before 5.14).
 */
export function populateMapping(buffer: ArrayBuffer, write: boolean): boolean {
  return native().mmapPopulate(buffer, write) === 0;
}

/**
 * @internal Another ArrayBuffer over the memory of a mapping made by
 * mmapFd(): detached by detachMappingView() or when the mapping is unmapped.
 * undefined when `buffer` is not such a mapping.
 */
export function mappingView(buffer: ArrayBuffer): ArrayBuffer | undefined {
  const r = native().mmapView(buffer);
  return typeof r === 'number' ? undefined : r;
}

/** @internal Detach a view made by mappingView() (its mapping stays). */
export function detachMappingView(view: ArrayBuffer): void {
  native().mmapDetachView(view);
}

/** Mappings made by mmapFd() (and buffers' CPU mappings) not unmapped yet, in this process. */
export function liveMappings(): number {
  return native().liveMappings();
}
