import { assertUint, DmaBuf, invalidArgument } from '@dmabuf/core';
import { isMplaneKind, isOutputKind, type QueueKind } from './constants.js';
import { describeFormat, type PixFormat } from './format.js';
import type { PlaneInput, SlotInput } from './queue-types.js';

/**
 * What attach() was given, as one { buffer, offset } per memory plane of the
 * queue's format, checked: the plane count, DmaBufs, offsets (only output
 * multi-planar queues may start a plane past 0).
 */
export function normaliseSlotInput(
  input: SlotInput,
  queue: { readonly kind: QueueKind; readonly format: PixFormat; readonly planeCount: number },
): { buffer: DmaBuf; offset: number }[] {
  const list = input instanceof DmaBuf ? [input] : input;
  if (!Array.isArray(list)) throw invalidArgument('buffers', 'a DmaBuf or an array of one per plane', input);
  if (list.length !== queue.planeCount) {
    throw invalidArgument(
      'buffers',
      `${queue.planeCount} buffer(s), one per memory plane of ${describeFormat(queue.format)}`,
      input,
    );
  }
  return list.map((x: DmaBuf | PlaneInput, i: number) => {
    const p = x instanceof DmaBuf ? { buffer: x, offset: 0 } : x;
    if (!(p?.buffer instanceof DmaBuf))
      throw invalidArgument(`buffers[${i}]`, 'a DmaBuf or { buffer, offset }', x);
    const offset = p.offset ?? 0;
    assertUint(`buffers[${i}].offset`, offset, 2 ** 32 - 1);
    if (offset !== 0 && !isOutputKind(queue.kind)) {
      throw invalidArgument(
        `buffers[${i}].offset`,
        '0: the kernel writes every captured plane at the start of its dma-buf',
        offset,
        'Give each plane its own buffer, or use an output queue',
      );
    }
    if (offset !== 0 && !isMplaneKind(queue.kind))
      throw invalidArgument(`buffers[${i}].offset`, '0 on a single-planar queue', offset);
    return { buffer: p.buffer, offset };
  });
}
