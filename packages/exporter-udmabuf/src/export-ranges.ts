import { assertObject, type DmaBuf, type ExportOptions, type Framework, invalidArgument } from '@dmabuf/core';
import type { MemfdRange } from './memfd-check.js';

/**
 * Export a udmabuf over the caller's memfd ranges, allocated now (the size is
 * the ranges' total). One range is UDMABUF_CREATE, several UDMABUF_CREATE_LIST.
 *   using buf = exportRanges(fw, [{ memfd, offset: 0, size: 4 * 4096 }, ...]);
 * On failure nothing is left behind: the pending buffer is dropped.
 */
export function exportRanges(
  framework: Framework,
  ranges: readonly MemfdRange[],
  options: Omit<ExportOptions, 'exporter' | 'size' | 'options' | 'lazy'> & {
    list?: boolean;
    exporter?: string;
  } = {},
): DmaBuf {
  if (typeof (framework as Partial<Framework> | null)?.export !== 'function')
    throw invalidArgument('framework', 'a Framework', framework);
  if (!Array.isArray(ranges) || ranges.length === 0)
    throw invalidArgument('ranges', 'a non-empty array of { memfd, offset, size }', ranges);
  assertObject('options', options);
  const { list, exporter = 'udmabuf', ...rest } = options;
  const buf = framework.export({
    ...rest,
    exporter,
    options: { ranges, ...(list !== undefined ? { list } : {}) },
    lazy: true,
  });
  try {
    return buf.allocate();
  } catch (e) {
    if (!buf.released) buf.put();
    throw e;
  }
}
