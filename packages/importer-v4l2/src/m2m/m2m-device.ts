import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { assertObject, assertOneOf, DmaBufError, LifecycleError } from '@dmabuf/core';
import { isMplaneKind, type QueueKind } from '../constants.js';
import { V4l2Device } from '../device.js';
import type { DeviceInfo } from '../device-info.js';
import type { FormatDescription } from '../enumeration.js';
import { FormatError } from '../errors.js';
import type { FormatRequest, PixFormat } from '../format.js';
import type { V4l2Frame } from '../frame.js';
import type { V4l2Queue } from '../queue.js';
import type { QueueOptions, SlotInput, WaitOptions } from '../queue-types.js';
import type { V4l2Slot } from '../slot.js';
import { type CodecRole, codecRole, sendStart, sendStop } from './codec-commands.js';
import { type M2mEvent, type M2mEventKind, M2mEvents } from './m2m-events.js';

/** The two sides of a memory-to-memory device: OUTPUT is fed, CAPTURE is drained. */
export type M2mSide = 'output' | 'capture';
const SIDES: readonly M2mSide[] = ['output', 'capture'];

/** What to look for among the memory-to-memory nodes. */
export interface M2mFindCriteria {
  /** QUERYCAP driver name: 'vim2m', 'vicodec', … */
  driver?: string;
  /** Card name (exact). */
  card?: string;
  /** The node's name in sysfs (/sys/class/video4linux/videoN/name): vicodec's 'stateful-encoder', 'stateful-decoder', … */
  node?: string;
  /** What its codec commands say it is: 'encoder', 'decoder', or 'converter' (neither). */
  role?: CodecRole | 'converter';
}

/** The sysfs name of a video node ('' when unknown). */
function nodeName(path: string): string {
  try {
    return readFileSync(`/sys/class/video4linux/${basename(path)}/name`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Both formats of a device, set together (OUTPUT first: a codec derives CAPTURE from it). */
export interface M2mFormats {
  /** The OUTPUT side: what is written to the device. */
  output: FormatRequest;
  /** The CAPTURE side: what the device produces. */
  capture: FormatRequest;
}

/** One buffer through the device: the CAPTURE frame it produced, the OUTPUT buffer it read given back. */
export interface M2mResult {
  /** The CAPTURE frame the device produced: yours until requeue(). */
  frame: V4l2Frame;
  /** The OUTPUT buffer, dequeued: the device is done reading it (its slot is idle again). */
  input: V4l2Frame;
}

function isM2m(info: DeviceInfo): boolean {
  return info.deviceCaps.includes('video-m2m') || info.deviceCaps.includes('video-m2m-mplane');
}

/**
 * A V4L2 memory-to-memory device (a scaler/converter such as vim2m, a
 * codec such as vicodec): one fd, an OUTPUT queue you feed and a CAPTURE
 * queue you drain, both V4l2Queues (importing dma-bufs or exporting their
 * MMAP buffers), both waited on through the device's one readiness watcher,
 * and its events (EOS, SOURCE_CHANGE) on the same fd.
 */
export class V4l2M2mDevice implements Disposable {
  /** The underlying V4L2 device (formats, controls; closed with this one). */
  readonly device: V4l2Device;
  /** 'encoder', 'decoder', or undefined for a device with no codec commands (a converter). */
  readonly role: CodecRole | undefined;
  /** Its events (EOS, SOURCE_CHANGE): subscribe() to the ones you want; close() unsubscribes them all. */
  readonly events: M2mEvents;
  /** The node's name (sysfs), else QUERYCAP's card: 'vim2m', 'stateful-encoder', … */
  readonly label: string;
  #output: V4l2Queue | undefined;
  #capture: V4l2Queue | undefined;

  private constructor(device: V4l2Device) {
    this.device = device;
    this.label = nodeName(device.path) || device.info.card;
    this.role = codecRole(device.fd);
    this.events = new M2mEvents(device.fd, device.poller, this.name);
  }

  /** Open a memory-to-memory node; anything else is refused (ENOTTY) naming what the node is. */
  static open(path: string): V4l2M2mDevice {
    const device = V4l2Device.open(path);
    if (!isM2m(device.info)) {
      const caps = device.info.deviceCaps.join(', ');
      device.close();
      throw new DmaBufError(
        `V4L2 ${path} (${device.info.driver}) is not a memory-to-memory device (caps: ${caps})`,
        {
          code: 'ENOTTY',
          hint: 'Open a node with video-m2m: V4l2M2mDevice.find({ driver: "vim2m" }) lists them',
        },
      );
    }
    return new V4l2M2mDevice(device);
  }

  /** The memory-to-memory nodes of this machine (QUERYCAP). */
  static list(dir = '/dev'): DeviceInfo[] {
    return V4l2Device.list(dir).filter(isM2m);
  }

  /** Open the first memory-to-memory node matching every criterion; ENODEV naming what exists when none does. */
  static find(criteria: M2mFindCriteria = {}, dir = '/dev'): V4l2M2mDevice {
    assertObject('criteria', criteria);
    const seen = V4l2M2mDevice.list(dir);
    const roleOf = (path: string): CodecRole | 'converter' => {
      using m2m = V4l2M2mDevice.open(path);
      return m2m.role ?? 'converter';
    };
    const match = seen.find(
      (d) =>
        (criteria.driver === undefined || d.driver === criteria.driver) &&
        (criteria.card === undefined || d.card === criteria.card) &&
        (criteria.node === undefined || nodeName(d.path) === criteria.node) &&
        (criteria.role === undefined || roleOf(d.path) === criteria.role),
    );
    if (!match) {
      const what = criteria.driver ?? criteria.card ?? 'memory-to-memory';
      throw new DmaBufError(`no V4L2 memory-to-memory device matches ${JSON.stringify(criteria)}`, {
        code: 'ENODEV',
        hint: seen.length
          ? `Memory-to-memory devices here: ${seen.map((d) => `${d.path} (${d.driver}: ${nodeName(d.path) || d.card})`).join('; ')}`
          : `No memory-to-memory node here: load the driver (e.g. modprobe ${/^(vim2m|vicodec)$/.test(what) ? what : 'vim2m'})`,
      });
    }
    return V4l2M2mDevice.open(match.path);
  }

  /** 'V4L2 M2M /dev/video4 (vim2m)'. */
  get name(): string {
    return `V4L2 M2M ${this.device.path} (${this.label})`;
  }

  /** The device node, e.g. '/dev/video2'. */
  get path(): string {
    return this.device.path;
  }

  /** The queue kind of a side: single- or multi-planar, as the node offers. */
  kindOf(side: M2mSide): QueueKind {
    assertOneOf('side', side, SIDES);
    const kinds = this.device.info.queues.filter((k) => k.startsWith(side));
    // a node with both APIs: the single-planar one (what vim2m and vicodec's default offer)
    return kinds.find((k) => !isMplaneKind(k)) ?? kinds[0]!;
  }

  /** Pixel formats of a side (ENUM_FMT). */
  formats(side: M2mSide): FormatDescription[] {
    return this.device.formats(this.kindOf(side));
  }

  /** The current format of one side (G_FMT). */
  getFormat(side: M2mSide): PixFormat {
    return this.device.getFormat(this.kindOf(side));
  }

  /** S_FMT on one side (a FormatError names what the side offers). */
  setFormat(side: M2mSide, request: FormatRequest): PixFormat {
    return this.device.setFormat(this.kindOf(side), request);
  }

  /** What the device would set for `request` on one side, without setting it (TRY_FMT). */
  tryFormat(side: M2mSide, request: FormatRequest): PixFormat {
    return this.device.tryFormat(this.kindOf(side), request);
  }

  /**
   * Set both formats, OUTPUT first. A pair the device cannot convert is a
   * FormatError naming the device and every format each side takes; sizes
   * the driver rounds are in the result.
   */
  configure(formats: M2mFormats): {
    /** The OUTPUT format the driver set. */
    output: PixFormat;
    /** The CAPTURE format the driver set. */
    capture: PixFormat;
  } {
    assertObject('formats', formats);
    assertObject('formats.output', formats.output);
    assertObject('formats.capture', formats.capture);
    const ins = this.formats('output').map((f) => f.pixelformat);
    const outs = this.formats('capture').map((f) => f.pixelformat);
    const wantIn = formats.output.pixelformat;
    const wantOut = formats.capture.pixelformat;
    if ((wantIn && !ins.includes(wantIn)) || (wantOut && !outs.includes(wantOut))) {
      throw new FormatError(
        `${this.name} cannot convert ${wantIn ?? this.getFormat('output').pixelformat} to ${wantOut ?? this.getFormat('capture').pixelformat}`,
        `It takes ${ins.join(', ')} (OUTPUT) and gives ${outs.join(', ')} (CAPTURE)`,
      );
    }
    const output = this.setFormat('output', formats.output);
    const capture = this.setFormat('capture', formats.capture);
    return { output, capture };
  }

  /** Open one side's queue (REQBUFS); see V4l2Device.queue(). */
  open(side: M2mSide, options: QueueOptions = {}): V4l2Queue {
    const q = this.device.queue(this.kindOf(side), options);
    if (side === 'output') this.#output = q;
    else this.#capture = q;
    return q;
  }

  /** Close one side's queue if it is open (STREAMOFF, buffers detached, REQBUFS 0): to set it up again. */
  closeQueue(side: M2mSide): void {
    const q = side === 'output' ? this.#output : this.#capture;
    if (side === 'output') this.#output = undefined;
    else this.#capture = undefined;
    if (q && q.state !== 'closed') q.close();
  }

  /** The OUTPUT queue (open it first). */
  get output(): V4l2Queue {
    return this.#queue('output');
  }

  /** The CAPTURE queue (open it first). */
  get capture(): V4l2Queue {
    return this.#queue('capture');
  }

  /** True while both queues stream. */
  get streaming(): boolean {
    return !!this.#output?.streaming && !!this.#capture?.streaming;
  }

  /**
   * STREAMON on both queues (CAPTURE first, so no job runs before it has
   * somewhere to write). Refused (EPIPE, nothing started) while a side is
   * not open: a queue started before its peer would hold jobs forever.
   */
  start(): void {
    for (const side of SIDES) {
      const q = side === 'output' ? this.#output : this.#capture;
      if (!q || q.state === 'closed') {
        throw new LifecycleError(`${this.name}: the ${side} queue is not open, so the device cannot run`, {
          code: 'EPIPE',
          hint: `Open both sides before start(): m2m.open('output') and m2m.open('capture')`,
        });
      }
    }
    this.#capture!.start();
    try {
      this.#output!.start();
    } catch (e) {
      this.#capture!.stop({ keepAttached: true });
      throw e;
    }
  }

  /**
   * Queue `input` on OUTPUT (attaching it if needed), then wait for both the
   * CAPTURE frame it produced and the OUTPUT buffer to come back. One job of
   * a 1:1 device (a scaler/converter); the frame is the caller's to requeue.
   */
  async process(
    input: V4l2Slot | SlotInput,
    options: WaitOptions & { bytesUsed?: number | readonly number[] } = {},
  ): Promise<M2mResult> {
    const out = this.output;
    const cap = this.capture;
    if (!this.streaming) {
      throw new LifecycleError(`${this.name} is not streaming`, {
        code: 'EPIPE',
        hint: 'Queue CAPTURE buffers and call start() first',
      });
    }
    const { bytesUsed, ...wait } = options;
    out.queue(input, bytesUsed !== undefined ? { bytesUsed } : {});
    const [frame, back] = await Promise.all([cap.dequeue(wait), out.dequeue(wait)]);
    return { frame, input: back };
  }

  /** Subscribe to an event (EOS, SOURCE_CHANGE); refused naming the device when it does not send it. */
  subscribe(kind: M2mEventKind): void {
    this.events.subscribe(kind);
  }

  /** The next event of `kind` (or any subscribed one). */
  nextEvent(kind?: M2mEventKind, options: WaitOptions = {}): Promise<M2mEvent> {
    return this.events.next(kind, options);
  }

  /**
   * Drain (the stateful codec specification's way): V4L2_ENC_CMD_STOP or
   * V4L2_DEC_CMD_STOP; the device finishes every OUTPUT buffer queued before,
   * marks its last CAPTURE buffer V4L2_BUF_FLAG_LAST (frames() ends after it)
   * and sends EOS. Refused (ENOTTY) on a device without codec commands
   * (vim2m): there, every queued OUTPUT buffer simply gives its frame.
   */
  drain(): void {
    if (!this.#capture?.streaming || !this.#output?.streaming) {
      throw new LifecycleError(`${this.name}: drain while not streaming`, {
        code: 'EPIPE',
        hint: 'Nothing to drain: start() first',
      });
    }
    sendStop(this.device.fd, this.role, this.name);
  }

  /** After a drain: go on with the same queues (V4L2_ENC_CMD_START / V4L2_DEC_CMD_START). */
  resume(): void {
    sendStart(this.device.fd, this.role, this.name);
    this.#capture?.resume();
  }

  /** STREAMOFF on both queues (every buffer comes back; detached unless keepAttached). */
  stop(options: { keepAttached?: boolean } = {}): void {
    const errors: unknown[] = [];
    for (const q of [this.#output, this.#capture]) {
      try {
        if (q && q.state !== 'closed') q.stop(options);
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length) throw errors[0];
  }

  /** Close both queues (stopping them, detaching every buffer) and the fd. */
  close(): void {
    if (this.device.closed) return;
    this.events.unsubscribeAll();
    this.device.close();
    this.#output = undefined;
    this.#capture = undefined;
  }

  /** `using`: close() when the scope ends. */
  [Symbol.dispose](): void {
    this.close();
  }

  #queue(side: M2mSide): V4l2Queue {
    const q = side === 'output' ? this.#output : this.#capture;
    if (!q || q.state === 'closed') {
      throw new LifecycleError(`${this.name}: the ${side} queue is not open`, {
        code: 'EBADF',
        hint: `Open it with m2m.open('${side}', { memory, count })`,
      });
    }
    return q;
  }
}
