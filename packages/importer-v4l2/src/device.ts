import {
  assertObject,
  assertOneOf,
  assertPositive,
  assertString,
  assertUint,
  closeFd,
  DmaBufError,
  ERRNO,
  invalidArgument,
  LifecycleError,
} from '@dmabuf/core';
import { check } from '@dmabuf/core/driver';
import { type BufferCapabilities, decodeBufferCapabilities } from './capabilities.js';
import { MEMORY, MEMORY_KINDS, type QueueKind } from './constants.js';
import { readControl, writeControl } from './control-access.js';
import { type ControlInfo, type ControlValue, findControl, listControls } from './controls.js';
import { checkDevice, queueTypeOf } from './device-check.js';
import { type DeviceInfo, deviceInfo } from './device-info.js';
import {
  enumFormats,
  enumFrameIntervals,
  enumFrameSizes,
  enumIos,
  type FormatDescription,
  type Fraction,
  type FrameInterval,
  type FrameSize,
  type IoInfo,
} from './enumeration.js';
import { DeviceLostError } from './errors.js';
import type { FormatRequest, PixFormat } from './format.js';
import { negotiateFormat, readFormat } from './format-negotiation.js';
import { v4l2 } from './native.js';
import { type FindCriteria, listNodes, matchNode } from './node-discovery.js';
import { FdPoller } from './poller.js';
import { V4l2Queue } from './queue.js';
import type { QueueOptions } from './queue-types.js';

/**
 * An open V4L2 device node. Query it (capabilities, formats, sizes,
 * intervals, controls), set its format, and open its streaming queues.
 * Close it (or `using`) to stop every queue and close the fd.
 */
export class V4l2Device implements Disposable {
  /** The device node it was opened from, e.g. '/dev/video0'. */
  readonly path: string;
  /** What VIDIOC_QUERYCAP said at open: driver, card, bus, capabilities and queues. */
  readonly info: DeviceInfo;
  readonly #fd: number;
  readonly #poller: FdPoller;
  readonly #queues = new Map<QueueKind, V4l2Queue>();
  #controls: ControlInfo[] | undefined;
  #closed = false;

  private constructor(path: string, fd: number, info: DeviceInfo) {
    this.path = path;
    this.#fd = fd;
    this.info = info;
    this.#poller = new FdPoller(fd, this.name);
  }

  /** Open a node by path (O_RDWR | O_NONBLOCK | O_CLOEXEC) and QUERYCAP it. */
  static open(path: string): V4l2Device {
    assertString('path', path, 4096);
    const fd = check(v4l2().open(path), 'open', `cannot open V4L2 device ${path}`, (errno) =>
      errno === ERRNO.ENOENT
        ? 'No such node: list them with V4l2Device.list() (is the driver loaded?)'
        : errno === ERRNO.EACCES
          ? 'Permission denied: run as a member of the video group'
          : undefined,
    );
    try {
      const raw = check(
        v4l2().querycap(fd),
        'ioctl(VIDIOC_QUERYCAP)',
        `${path} is not a V4L2 device`,
        'Pass a /dev/videoN node',
      );
      return new V4l2Device(path, fd, deviceInfo(path, raw));
    } catch (e) {
      closeFd(fd);
      throw e;
    }
  }

  /** QUERYCAP of every /dev/video* node that answers (nodes that cannot be opened are left out). */
  static list(dir = '/dev'): DeviceInfo[] {
    return listNodes(dir, (path) => {
      using dev = V4l2Device.open(path);
      return dev.info;
    });
  }

  /** Open the first node that matches every criterion; ENODEV naming what exists when none does. */
  static find(criteria: FindCriteria = {}, dir = '/dev'): V4l2Device {
    assertObject('criteria', criteria);
    return V4l2Device.open(matchNode(criteria, V4l2Device.list(dir)).path);
  }

  /** 'V4L2 /dev/video0': how messages name this device. */
  get name(): string {
    return `V4L2 ${this.path}`;
  }

  /** True once close() has run: every call then throws LifecycleError (EBADF). */
  get closed(): boolean {
    return this.#closed;
  }

  /** The device fd (borrowed: do not close). */
  get fd(): number {
    this.#assertOpen();
    return this.#fd;
  }

  /** @internal the readiness watcher of the device fd (one per fd: M2M queues and events share it) */
  get poller(): FdPoller {
    this.#assertOpen();
    return this.#poller;
  }

  /** The first video queue of this node: what a camera node captures on. */
  get defaultQueue(): QueueKind {
    const q = this.info.queues[0];
    if (!q)
      throw new DmaBufError(`${this.name} has no video queue (caps: ${this.info.deviceCaps.join(', ')})`, {
        code: 'ENOTTY',
        hint: 'Open a video capture or output node',
      });
    return q;
  }

  /** Pixel formats a queue offers. */
  formats(kind: QueueKind = this.defaultQueue): FormatDescription[] {
    return enumFormats(this, this.#type(kind), kind);
  }

  /** Frame sizes of a pixel format. */
  frameSizes(pixelformat: string): FrameSize[] {
    return enumFrameSizes(this, pixelformat);
  }

  /** Frame intervals of a pixel format at a size. */
  frameIntervals(pixelformat: string, width: number, height: number): FrameInterval[] {
    return enumFrameIntervals(this, pixelformat, width, height);
  }

  /** The current format of a queue (G_FMT). */
  getFormat(kind: QueueKind = this.defaultQueue): PixFormat {
    return readFormat(this, kind, this.#type(kind));
  }

  /**
   * Set a queue's format (S_FMT). Fields left out keep their current value.
   * A pixel format the queue does not offer is a FormatError (the kernel
   * would silently pick another). Refused with EBUSY while buffers are
   * allocated: set the format before opening the queue.
   */
  setFormat(kind: QueueKind, request: FormatRequest): PixFormat {
    return this.#setFormat(kind, request, false);
  }

  /** What setFormat would give, without changing anything (TRY_FMT). */
  tryFormat(kind: QueueKind, request: FormatRequest): PixFormat {
    return this.#setFormat(kind, request, true);
  }

  /** Seconds per frame of a queue (G_PARM). */
  getFrameInterval(kind: QueueKind = this.defaultQueue): Fraction {
    const r = this.#check(
      v4l2().getParm(this.#fd, this.#type(kind)),
      'VIDIOC_G_PARM',
      `cannot read the ${kind} frame interval`,
    );
    return { numerator: r.numerator, denominator: r.denominator };
  }

  /** Set seconds per frame (S_PARM); returns what the driver chose. */
  setFrameInterval(kind: QueueKind, interval: Fraction): Fraction {
    assertObject('interval', interval);
    assertPositive('interval.numerator', interval.numerator, 2 ** 32 - 1);
    assertPositive('interval.denominator', interval.denominator, 2 ** 32 - 1);
    const r = this.#check(
      v4l2().setParm(this.#fd, this.#type(kind), interval.numerator, interval.denominator),
      'VIDIOC_S_PARM',
      `cannot set the ${kind} frame interval`,
    );
    return { numerator: r.numerator, denominator: r.denominator };
  }

  /** Inputs (capture) or outputs of this node: index and name. */
  ios(output = false): IoInfo[] {
    if (typeof output !== 'boolean') throw invalidArgument('output', 'a boolean', output);
    return enumIos(this, output);
  }

  /** The current input (capture) or output index. */
  getIo(output = false): number {
    if (typeof output !== 'boolean') throw invalidArgument('output', 'a boolean', output);
    return this.#check(
      v4l2().getIo(this.#fd, output),
      output ? 'VIDIOC_G_OUTPUT' : 'VIDIOC_G_INPUT',
      'cannot read the current input/output',
    );
  }

  /** Select an input (capture) or output by index. */
  setIo(index: number, output = false): void {
    assertUint('index', index, 255);
    if (typeof output !== 'boolean') throw invalidArgument('output', 'a boolean', output);
    this.#check(
      v4l2().setIo(this.#fd, output, index),
      output ? 'VIDIOC_S_OUTPUT' : 'VIDIOC_S_INPUT',
      `cannot select ${output ? 'output' : 'input'} ${index}`,
    );
    this.#controls = undefined; // controls can depend on the input
  }

  /** Every control of the node (cached; refreshed after setIo). */
  controls(): ControlInfo[] {
    this.#assertOpen();
    this.#controls ??= listControls(this.#fd, this.name);
    return this.#controls;
  }

  /** One control by name ('osd_text_mode' or 'OSD Text Mode') or id. */
  control(which: string | number): ControlInfo {
    return findControl(this.controls(), which, this.name);
  }

  /** A scalar control's current value: boolean, bigint (64-bit) or number. */
  getControl(which: string | number): ControlValue {
    return readControl(this, this.control(which));
  }

  /** Set a scalar control (validated against its range, step and menu first); returns the value the driver kept. */
  setControl(which: string | number, value: ControlValue): ControlValue {
    return writeControl(this, this.control(which), value);
  }

  /**
   * The buffer capability bits of a queue (REQBUFS with count 0): is DMABUF
   * import supported, MMAP, requests... Frees the queue's buffers, so it is
   * refused (EBUSY) while a queue of this kind is open.
   */
  bufferCapabilities(kind: QueueKind = this.defaultQueue): BufferCapabilities {
    const type = this.#type(kind);
    if (this.#queues.has(kind)) {
      throw new LifecycleError(`${this.name}: the ${kind} queue is open`, {
        code: 'EBUSY',
        hint: 'Read queue.capabilities instead',
      });
    }
    let r = v4l2().reqbufs(this.#fd, type, MEMORY.mmap, 0);
    if (r === -ERRNO.EINVAL) r = v4l2().reqbufs(this.#fd, type, MEMORY.dmabuf, 0);
    return decodeBufferCapabilities(
      this.#check(r, 'VIDIOC_REQBUFS', `cannot query the ${kind} buffer capabilities`).capabilities,
    );
  }

  /**
   * Open a streaming queue: REQBUFS with `count` buffers of `memory`
   * ('dmabuf': you attach dma-bufs; 'mmap': the device allocates and can
   * export them). One queue per kind at a time.
   */
  queue(kind: QueueKind = this.defaultQueue, options: QueueOptions = {}): V4l2Queue {
    this.#type(kind);
    assertObject('options', options);
    if (options.memory !== undefined) assertOneOf('options.memory', options.memory, MEMORY_KINDS);
    if (this.#queues.has(kind)) {
      throw new LifecycleError(`${this.name}: the ${kind} queue is already open`, {
        code: 'EBUSY',
        hint: 'Close it first (queue.close())',
      });
    }
    const q = new V4l2Queue(
      {
        device: this,
        fd: this.#fd,
        poller: this.#poller,
        onClose: () => this.#queues.delete(kind),
        lost: (cause) => new DeviceLostError(this.name, cause),
      },
      kind,
      options,
    );
    this.#queues.set(kind, q);
    return q;
  }

  /** Close every queue (ending the links that run them, stopping streams, detaching buffers), then the fd. */
  close(): void {
    if (this.#closed) return;
    const errors: unknown[] = [];
    for (const q of [...this.#queues.values()]) {
      try {
        q.close();
      } catch (e) {
        errors.push(e);
      }
    }
    this.#closed = true;
    this.#poller.close();
    closeFd(this.#fd);
    if (errors.length)
      throw new AggregateError(errors, `${this.name}: ${errors.length} error(s) while closing its queues`);
  }

  /** `using`: close() when the scope ends. */
  [Symbol.dispose](): void {
    this.close();
  }

  #setFormat(kind: QueueKind, request: FormatRequest, tryOnly: boolean): PixFormat {
    const type = this.#type(kind);
    return negotiateFormat(
      { device: this, kind, type, offered: this.formats(kind).map((f) => f.pixelformat) },
      request,
      tryOnly,
    );
  }

  #type(kind: QueueKind): number {
    this.#assertOpen();
    return queueTypeOf(this, this.info.queues, kind);
  }

  #check<T>(r: T | number, ioctl: string, what: string, hint?: (errno: number) => string | undefined): T {
    return checkDevice(this, r, ioctl, what, hint);
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new LifecycleError(`${this.name} is closed`, {
        code: 'EBADF',
        hint: 'Open it again with V4l2Device.open()',
      });
  }
}
