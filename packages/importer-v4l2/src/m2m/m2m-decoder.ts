// A stateful decoder driven the way the V4L2 stateful decoder interface says:
// compressed bytes written into OUTPUT buffers, the CAPTURE queue set up
// from the format the decoder found (SOURCE_CHANGE), set up again on every
// resolution change, and a drain (DEC_CMD_STOP) at the end of the stream.
import {
  assertObject,
  assertPositive,
  assertString,
  DmaBufError,
  invalidArgument,
  LifecycleError,
} from '@dmabuf/core';
import type { DeviceBufferView } from '../buffer-view.js';
import { FormatError } from '../errors.js';
import type { PixFormat } from '../format.js';
import type { V4l2Frame } from '../frame.js';
import type { WaitOptions } from '../queue-types.js';
import { V4l2M2mDevice } from './m2m-device.js';

/** FWHT's frame header magic (vicodec's codec-fwht.h): 0x4f4f4f4f ffffffff. */
const FWHT_MAGIC = [0x4f, 0x4f, 0x4f, 0x4f, 0xff, 0xff, 0xff, 0xff];

/** Options of an M2mDecoder: how many buffers on each side. */
export interface DecoderOptions {
  /** OUTPUT (compressed) buffers; default 4. */
  outputCount?: number;
  /** CAPTURE (decoded) buffers; default 4. */
  captureCount?: number;
  /** The decoded pixel format to ask for when the decoder offers it (e.g. 'YUYV'); default: the decoder's choice. */
  pixelformat?: string;
}

/** A decoded picture: the frame (the caller requeues it) and the format it is in. */
export interface DecodedFrame {
  /** The decoded picture, held until you requeue() it (or `using`). */
  frame: V4l2Frame;
  /** The CAPTURE format it is in (it changes after a SOURCE_CHANGE). */
  format: PixFormat;
}

/**
 * A stateful decoder (vicodec's stateful-decoder; a hardware H.264 decoder
 * works the same way). `write()` the compressed stream; `frames()` yields
 * decoded pictures, reconfiguring CAPTURE on each SOURCE_CHANGE; `end()`
 * drains, after which frames() ends.
 */
export class M2mDecoder {
  /** The memory-to-memory device it decodes on (the caller's: close() closes its queues, not the device). */
  readonly m2m: V4l2M2mDevice;
  readonly #options: Required<Omit<DecoderOptions, 'pixelformat'>> & { pixelformat?: string };
  readonly #views = new Map<number, DeviceBufferView>();
  #started = false;
  #checked = false;
  #ended = false;
  #pendingChange = false;
  /** Formats the CAPTURE queue was set up with, one per (re)configuration. */
  readonly formats: PixFormat[] = [];

  constructor(m2m: V4l2M2mDevice, options: DecoderOptions = {}) {
    if (!(m2m instanceof V4l2M2mDevice))
      throw invalidArgument('m2m', 'a V4l2M2mDevice (V4l2M2mDevice.open(path))', m2m);
    assertObject('options', options);
    if (m2m.role !== 'decoder') {
      throw new DmaBufError(`${m2m.name} is not a stateful decoder (it answers no VIDIOC_TRY_DECODER_CMD)`, {
        code: 'ENOTTY',
        hint: "Open a decoder node, e.g. V4l2M2mDevice.find({ driver: 'vicodec', role: 'decoder' })",
      });
    }
    if (options.pixelformat !== undefined) assertString('options.pixelformat', options.pixelformat, 4);
    this.m2m = m2m;
    this.#options = {
      outputCount: options.outputCount ?? 4,
      captureCount: options.captureCount ?? 4,
      ...(options.pixelformat ? { pixelformat: options.pixelformat } : {}),
    };
    assertPositive('options.outputCount', this.#options.outputCount, 32);
    assertPositive('options.captureCount', this.#options.captureCount, 32);
  }

  /**
   * Write compressed bytes (split over OUTPUT buffers as needed). The first
   * write is checked: a stream that does not start with the coded format's
   * header is a FormatError naming the device and the formats it decodes.
   */
  async write(data: Uint8Array, options: WaitOptions = {}): Promise<void> {
    if (this.#ended) {
      throw new LifecycleError(`${this.m2m.name}: write after end()`, {
        code: 'EPIPE',
        hint: 'Open a new decoder',
      });
    }
    if (!this.#checked) this.#checkStream(data);
    this.#start();
    const out = this.m2m.output;
    for (let at = 0; at < data.length; ) {
      const index = await this.#freeSlot(options);
      const view = this.#view(index);
      const room = view.bytes.length;
      const n = Math.min(room, data.length - at);
      view.bytes.set(data.subarray(at, at + n));
      out.queue(index, { bytesUsed: n });
      at += n;
    }
  }

  /**
   * The end of the stream: drain (V4L2_DEC_CMD_STOP); frames() ends after the
   * last picture. Sent once CAPTURE streams, and again after each resolution
   * change (restarting CAPTURE clears the device's drain state).
   */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#started && this.m2m.streaming) this.m2m.drain();
  }

  /**
   * Decoded pictures. Waits for the decoder to find the stream's format
   * (SOURCE_CHANGE), sets CAPTURE up for it (MMAP buffers), and sets it up
   * again when the resolution changes mid-stream (the LAST buffer, then the
   * event); ends after the drain's LAST buffer.
   */
  async *frames(options: WaitOptions = {}): AsyncGenerator<DecodedFrame, void, undefined> {
    const m2m = this.m2m;
    for (;;) {
      if (!this.#pendingChange) {
        const change = await m2m.nextEvent('source-change', options);
        if (!change.resolutionChanged) continue;
      }
      const format = this.#setupCapture();
      if (this.#ended) this.m2m.drain();
      let sawLast = false;
      for await (const frame of m2m.capture.frames(options)) {
        if (frame.last) {
          sawLast = true;
          if (frame.bytesUsed > 0) yield { frame, format };
          else frame.drop();
          break;
        }
        yield { frame, format };
      }
      if (!sawLast) return; // stopped from outside
      // LAST: a resolution change (SOURCE_CHANGE pending) or the end of the drain (EOS)
      const next = m2m.events.poll();
      if (next?.kind === 'source-change') {
        this.#pendingChange = true;
        continue;
      }
      return;
    }
  }

  /** Stop both queues, unmap, close the device's queues (the device stays open). */
  close(): void {
    for (const v of this.#views.values()) v.unmap();
    this.#views.clear();
    this.m2m.stop();
  }

  #checkStream(data: Uint8Array): void {
    const offered = this.m2m.formats('output').map((f) => f.pixelformat);
    const fwht = offered.includes('FWHT');
    if (fwht && !FWHT_MAGIC.every((b, i) => data[i] === b)) {
      throw new FormatError(
        `${this.m2m.name} decodes ${offered.join(', ')}: this stream does not start with an FWHT frame header (${[...data.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ')})`,
        'Feed it a stream from an FWHT encoder (vicodec stateful-encoder)',
      );
    }
    this.#checked = true;
  }

  #start(): void {
    if (this.#started) return;
    const m2m = this.m2m;
    m2m.subscribe('source-change');
    m2m.subscribe('eos');
    const out = m2m.open('output', { memory: 'mmap', count: this.#options.outputCount });
    out.start(); // the stateful decoder streams OUTPUT alone until it knows the format
    this.#started = true;
  }

  async #freeSlot(options: WaitOptions): Promise<number> {
    const out = this.m2m.output;
    const idle = out.slots.find((s) => s.state !== 'queued');
    if (idle) return idle.index;
    const back = await out.dequeue(options);
    back.drop();
    return back.index;
  }

  #view(index: number): DeviceBufferView {
    let v = this.#views.get(index);
    if (!v) {
      v = this.m2m.output.mapBuffer(index, 0, { writable: true });
      this.#views.set(index, v);
    }
    return v;
  }

  /** CAPTURE for the format the decoder found (again after a change: STREAMOFF, REQBUFS 0, new buffers). */
  #setupCapture(): PixFormat {
    const m2m = this.m2m;
    m2m.closeQueue('capture');
    this.#pendingChange = false;
    let format = m2m.getFormat('capture');
    const want = this.#options.pixelformat;
    if (want && want !== format.pixelformat && m2m.formats('capture').some((f) => f.pixelformat === want)) {
      format = m2m.setFormat('capture', { pixelformat: want });
    }
    const cap = m2m.open('capture', { memory: 'mmap', count: this.#options.captureCount });
    for (let i = 0; i < cap.count; i++) cap.queue(i);
    cap.start();
    this.formats.push(cap.format);
    return cap.format;
  }
}
