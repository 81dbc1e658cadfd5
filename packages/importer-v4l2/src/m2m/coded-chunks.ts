// An encoder's CAPTURE queue as an async iterator of compressed chunks.

import { assertObject, invalidArgument } from '@dmabuf/core';
import { BUF_FLAG } from '../constants.js';
import type { WaitOptions } from '../queue-types.js';
import { copyFrameBytes } from './frame-bytes.js';
import { V4l2M2mDevice } from './m2m-device.js';

/** One compressed frame, copied out of the encoder's CAPTURE buffer. */
export interface CodedChunk {
  /** The compressed payload, copied out of the CAPTURE buffer (yours to keep). */
  data: Uint8Array;
  /** The driver's CAPTURE sequence number. */
  sequence: number;
  /** The buffer's timestamp in microseconds (copied from the OUTPUT frame it encodes). */
  timestampUs: number;
  /** A key frame (V4L2_BUF_FLAG_KEYFRAME): decoding can start here. */
  keyframe: boolean;
  /** The drain's last buffer (V4L2_BUF_FLAG_LAST). */
  last: boolean;
}

/**
 * The encoder's output: each CAPTURE frame's payload copied into a
 * Uint8Array, the buffer requeued at once. Ends after the LAST buffer of a
 * drain (an empty LAST buffer is not yielded).
 */
export function codedChunks(
  m2m: V4l2M2mDevice,
  options: WaitOptions = {},
): AsyncGenerator<CodedChunk, void, undefined> {
  // checked now, not at the first next()
  if (!(m2m instanceof V4l2M2mDevice))
    throw invalidArgument('m2m', 'a V4l2M2mDevice (V4l2M2mDevice.open(path))', m2m);
  assertObject('options', options);
  return chunks(m2m, options);
}

async function* chunks(
  m2m: V4l2M2mDevice,
  options: WaitOptions,
): AsyncGenerator<CodedChunk, void, undefined> {
  const cap = m2m.capture;
  for await (const frame of cap.frames(options)) {
    const last = frame.last;
    let data: Uint8Array;
    try {
      data = copyFrameBytes(cap, frame);
    } finally {
      if (last) frame.drop();
      else frame.requeue();
    }
    if (data.length > 0 || !last) {
      yield {
        data,
        sequence: frame.sequence,
        timestampUs: frame.timestampUs,
        keyframe: (frame.flags & BUF_FLAG.KEYFRAME) !== 0,
        last,
      };
    }
    if (last) return;
  }
}
