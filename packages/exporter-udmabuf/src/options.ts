import { assertKnownKeys, invalidArgument } from '@dmabuf/core';
import type { MemfdRange } from './memfd-check.js';

/** What `framework.export({ exporter: 'udmabuf', options })` accepts. */
export interface UdmabufExportOptions {
  /** Back the exporter's own memfd with 2 MiB huge pages (MFD_HUGETLB). Not with `ranges`. */
  hugetlb?: boolean;
  /**
   * Build the buffer from these memfd ranges (the caller's memfds, kept by
   * the caller) instead of a memfd of its own: one range is UDMABUF_CREATE,
   * several are UDMABUF_CREATE_LIST, a scatter buffer whose map() lists them.
   */
  ranges?: readonly MemfdRange[];
  /** Use UDMABUF_CREATE_LIST even for one range. */
  list?: boolean;
}

const KEYS = ['hugetlb', 'ranges', 'list'] as const;

/** Validate `options` of an export request (unknown keys are refused, not ignored). */
export function parseExportOptions(options: Readonly<Record<string, unknown>>): UdmabufExportOptions {
  assertKnownKeys('options', options, KEYS, 'the udmabuf options');
  const { hugetlb, ranges, list } = options as UdmabufExportOptions;
  if (hugetlb !== undefined && typeof hugetlb !== 'boolean')
    throw invalidArgument('options.hugetlb', 'a boolean', hugetlb);
  if (list !== undefined && typeof list !== 'boolean')
    throw invalidArgument('options.list', 'a boolean', list);
  if (ranges !== undefined) {
    if (!Array.isArray(ranges) || ranges.length === 0) {
      throw invalidArgument('options.ranges', 'a non-empty array of { memfd, offset, size }', ranges);
    }
    if (hugetlb) {
      throw invalidArgument(
        'options.hugetlb',
        'false or absent with options.ranges',
        hugetlb,
        'With ranges the memfds are yours: create them with MFD_HUGETLB (createMemfd(name, size, { hugetlb: true })) instead',
      );
    }
  }
  const parsed: UdmabufExportOptions = {};
  if (hugetlb !== undefined) parsed.hugetlb = hugetlb;
  if (ranges) parsed.ranges = ranges;
  if (list !== undefined) parsed.list = list;
  return parsed;
}
