import {
  assertObject,
  type BufferLayout,
  type DmaBuf,
  ERRNO,
  type Framework,
  type Importer,
  invalidArgument,
  LifecycleError,
  type LinkPort,
  SystemError,
} from '@dmabuf/core';
import { exportNow, exportPlaneFd, mapPlane } from './buffer-export.js';
import { requestBuffers } from './buffer-request.js';
import type { DeviceBufferView } from './buffer-view.js';
import type { BufferCapabilities } from './capabilities.js';
import { capturePort } from './capture-port.js';
import { BUF_TYPE, MEMORY, type MemoryKind, type QueueKind } from './constants.js';
import { planeConstraints } from './constraints.js';
import { layoutPlanes, type PixFormat } from './format.js';
import type { FrameOwner, QueueBufferOptions, V4l2Frame } from './frame.js';
import { iterateFrames, nextFrame } from './frame-iterator.js';
import { v4l2 } from './native.js';
import { queuedBuffer } from './qbuf-planes.js';
import type { QueuedBuffer, QueueHost, QueueState, SlotInput, WaitOptions } from './queue-types.js';
import { type SlotAssignment, type SlotHandle, V4l2Slot } from './slot.js';
import { SlotTable } from './slot-table.js';
import { checkIoctl, QueueStream } from './stream.js';

/**
 * A V4L2 streaming queue (capture or output, single- or multi-planar).
 *
 * DMABUF queues import buffers they did not allocate: `attach()` gives a
 * dma-buf (one per memory plane) a stable slot after the core has checked it
 * against the negotiated format (size, pitch, format), `queue()` QBUFs it,
 * `start()` streams, and `frames()` yields what the device is done with,
 * through libuv polling. `stop()` ends the stream and detaches everything.
 *
 * Each memory plane is an `Importer` of the core: `importerFor(plane)`.
 * The parts: the buffers it was given (buffer-request.ts), its slots
 * (slot-table.ts), its stream (stream.ts).
 */
export class V4l2Queue implements FrameOwner, Disposable {
  /** Which queue: 'capture', 'output', 'capture-mplane' or 'output-mplane'. */
  readonly kind: QueueKind;
  /** 'dmabuf': buffers are imported dma-bufs (attach()); 'mmap': the driver allocates them (exportable). */
  readonly memory: MemoryKind;
  /** The format negotiated when the queue was opened (S_FMT is refused while buffers exist). */
  readonly format: PixFormat;
  /** Buffer capability bits from REQBUFS (is DMABUF supported, ...). */
  readonly capabilities: BufferCapabilities;
  /** How many buffer indices the driver gave. */
  readonly count: number;
  readonly #host: QueueHost;
  readonly #type: number;
  readonly #slots: SlotTable;
  readonly #stream: QueueStream;

  /** @internal use device.queue() */
  constructor(host: QueueHost, kind: QueueKind, options: { memory?: MemoryKind; count?: number }) {
    this.#host = host;
    this.kind = kind;
    this.#type = BUF_TYPE[kind];
    this.memory = options.memory ?? 'dmabuf';
    const grant = requestBuffers(
      host.fd,
      this.#type,
      this.memory,
      options.count ?? 4,
      this.name,
      (r, ioctl, what, hint) => checkIoctl(host, this.name, r, ioctl, what, hint),
    );
    this.format = grant.format;
    this.capabilities = grant.capabilities;
    this.count = grant.count;
    this.#slots = new SlotTable({
      queue: this,
      name: this.name,
      kind,
      memory: this.memory,
      format: this.format,
      planeCount: this.planeCount,
      count: this.count,
      tornDown: (error) => this.#stream.tornDown(error),
    });
    this.#stream = new QueueStream(this, host, this.#type, this.#slots);
  }

  /** 'V4L2 /dev/video0 (capture)': how messages name this queue. */
  get name(): string {
    return `${this.#host.device.name} (${this.kind})`;
  }

  /** 'idle' (not streaming), 'streaming', or 'closed' (every call then throws). */
  get state(): QueueState {
    return this.#stream.state;
  }

  get streaming(): boolean {
    return this.#stream.state === 'streaming';
  }

  /** Memory planes per buffer: 1 except for the multi-planar 'M' formats. */
  get planeCount(): number {
    return this.format.planes.length;
  }

  /** Slots with buffers (DMABUF) or every index (MMAP). */
  get slots(): V4l2Slot[] {
    return this.#slots.slots;
  }

  /**
   * An M2M capture queue gave its last buffer (V4L2_BUF_FLAG_LAST): frames()
   * has ended and dequeue() refuses until the queue is restarted or the
   * device resumes (see V4l2M2mDevice.drain()).
   */
  get ended(): boolean {
    return this.#stream.ended;
  }

  /** @internal the device was told to start again after a drain */
  resume(): void {
    this.#stream.resume();
  }

  /** Buffers the kernel holds right now (queued, not yet dequeued). */
  get queuedCount(): number {
    return this.#stream.queued;
  }

  /** The core Importer of one memory plane (its constraints come from the negotiated format). */
  importerFor(plane = 0): Importer<SlotHandle, SlotAssignment> {
    return this.#slots.importerFor(plane);
  }

  /** What a buffer for `plane` must satisfy: give it to framework.export({ constraints }) to allocate one that fits. */
  constraints(plane = 0) {
    return planeConstraints(this.format, plane);
  }

  /** The layout of memory plane `plane` of this queue's format, as a core BufferLayout. */
  layoutOf(plane = 0, size?: number): BufferLayout {
    const p = this.format.planes[plane];
    if (!p) throw invalidArgument('plane', `a plane index below ${this.planeCount}`, plane);
    const single = this.planeCount === 1;
    return {
      size: size ?? p.sizeimage,
      width: this.format.width,
      height: this.format.height,
      ...(single && this.format.drmFormat ? { format: this.format.drmFormat, modifier: 0n } : {}),
      planes: layoutPlanes(this.format, plane),
    };
  }

  /**
   * Give dma-buf(s) a slot: each plane is attached (the core checks size,
   * pitch and format against the negotiated format before any ioctl) and
   * mapped for the device, the slot passed with the map. The same buffers
   * get the same slot back.
   */
  attach(input: SlotInput): V4l2Slot {
    this.#assertOpen();
    if (this.memory !== 'dmabuf') {
      throw new LifecycleError(`${this.name}: an MMAP queue allocates its own buffers`, {
        code: 'EINVAL',
        hint: "Open the queue with memory: 'dmabuf' to import, or use exportBuffers() to get these as dma-bufs",
      });
    }
    return this.#slots.attach(input);
  }

  /** The slot a buffer is attached in, if any. */
  slotOf(buffer: DmaBuf): V4l2Slot | undefined {
    return this.#slots.slotOf(buffer);
  }

  /** Unmap and detach a slot's buffers. Refused (EBUSY) while the kernel holds it. */
  detach(target: V4l2Slot | DmaBuf): void {
    const slot = this.#slots.resolve(target);
    if (this.memory !== 'dmabuf')
      throw new LifecycleError(`${this.name}: MMAP slots cannot be detached`, {
        code: 'EINVAL',
        hint: 'Close the queue',
      });
    if (slot.state === 'queued') {
      throw new LifecycleError(`${this.name}: buffer index ${slot.index} is queued in the kernel`, {
        code: 'EBUSY',
        hint: 'Stop the stream (queue.stop()) or dequeue it first',
      });
    }
    this.#slots.drop(slot);
  }

  /**
   * QBUF: hand a slot (or an attached buffer, attaching it if needed) to the
   * device. Output queues take the payload size per plane. A kernel refusal
   * stops the stream cleanly (every buffer detached) and throws StreamError.
   */
  queue(target: V4l2Slot | SlotInput | number, options: QueueBufferOptions = {}): QueuedBuffer {
    this.#assertOpen();
    assertObject('options', options);
    const slot =
      typeof target === 'number'
        ? this.#slots.attachedAt(target)
        : target instanceof V4l2Slot
          ? this.#slots.resolve(target)
          : this.attach(target);
    return queuedBuffer(this.#stream.qbuf(slot, options));
  }
  /**
   * @internal FrameOwner: a frame goes back to its slot (once per frame: the
   * kernel's echo is not turned into a QueuedBuffer nobody reads).
   */
  requeue(slot: V4l2Slot, options: QueueBufferOptions = {}): void {
    this.#assertOpen();
    assertObject('options', options);
    this.#stream.qbuf(this.#slots.resolve(slot), options);
  }

  /** This queue as a link port (core's Link): a capture queue a source, an output queue (dma-buf memory) a sink; buffers attached, nothing queued; its calls refused while linked. */
  port(): LinkPort {
    this.#assertOpen();
    const [host, type, slots, stream] = [this.#host, this.#type, this.#slots, this.#stream];
    return capturePort({ queue: this, host, type, slots, stream });
  }

  /** STREAMON. */
  start(): void {
    this.#assertOpen();
    this.#stream.start();
  }

  /**
   * STREAMOFF: every buffer comes back from the kernel; pending waits end.
   * Then every slot is detached unless `keepAttached` (to restart with the
   * same buffers).
   */
  stop(options: { keepAttached?: boolean } = {}): void {
    this.#stream.stop(options);
  }

  /**
   * Wait for the next buffer the device is done with (DQBUF through libuv
   * polling). Rejects with StreamError/DeviceLostError on failure (the
   * stream is then stopped, every buffer detached), with the signal's reason
   * when aborted, with LifecycleError when the stream was stopped.
   */
  dequeue(options: WaitOptions = {}): Promise<V4l2Frame> {
    return nextFrame(this.#stream, this.name, options);
  }

  /**
   * The frames of the stream, as they come; ends when the stream is stopped
   * (or the signal aborts), throws StreamError when it fails. Requeue each
   * frame (frame.requeue(), or `using`) when done with it.
   */
  frames(options: WaitOptions = {}): AsyncGenerator<V4l2Frame, void, undefined> {
    return iterateFrames(this.#stream, options);
  }

  /**
   * EXPBUF: a new dma-buf fd of an MMAP buffer's plane (O_RDWR, CLOEXEC);
   * the caller owns it. Refused by the kernel (EINVAL) on a DMABUF queue.
   */
  exportFd(index: number, plane = 0): number {
    this.#assertOpen();
    return exportPlaneFd(this.#host, this.#type, this, index, plane);
  }

  /**
   * Map an MMAP buffer's plane for the CPU through the device fd (QUERYBUF
   * for its offset, then mmap), without a dma-buf. The kernel refuses this
   * (EINVAL) on an importing queue: map the dma-buf instead.
   */
  mapBuffer(index: number, plane = 0, options: { writable?: boolean } = {}): DeviceBufferView {
    this.#assertOpen();
    return mapPlane(this.#host, this.#type, this, index, plane, options.writable ?? false);
  }

  /**
   * Every MMAP buffer's plane 0 as a DmaBuf of `framework` (which needs the
   * v4l2 exporter plugin: v4l2ExporterPlugin()). The caller owns the
   * returned buffers; frames of this queue carry them.
   */
  exportBuffers(framework: Framework, plane = 0): DmaBuf[] {
    const out: DmaBuf[] = [];
    try {
      for (let i = 0; i < this.count; i++) out.push(this.exportBuffer(framework, i, plane));
    } catch (e) {
      for (const b of out) if (!b.released) b.put();
      throw e;
    }
    return out;
  }

  /** One MMAP buffer's plane as a DmaBuf of `framework`, exported now: a refusal (EMFILE…) leaves no buffer. */
  exportBuffer(framework: Framework, index: number, plane = 0): DmaBuf {
    const buf = exportNow(framework, { queue: this, index, plane });
    this.#slots.exported(index, plane, buf);
    return buf;
  }

  /** End its link (if one runs it), stop, detach every buffer, free the kernel's buffers (REQBUFS 0). The queue cannot be used again. */
  close(): void {
    if (this.#stream.state === 'closed') return;
    this.#stream.stopLink?.();
    let error: unknown;
    try {
      this.stop();
    } catch (e) {
      error = e;
    }
    if (this.memory === 'dmabuf') this.#slots.dropAll();
    this.#stream.close();
    this.#host.poller.quiesce(); // before the buffers go: see FdPoller.quiesce
    const r = v4l2().reqbufs(this.#host.fd, this.#type, MEMORY[this.memory], 0);
    if (r !== -ERRNO.ENODEV && r !== -ERRNO.EBADF && typeof r === 'number' && r < 0 && !error) {
      error = new SystemError(`${this.name}: cannot free the buffers`, -r, 'ioctl(VIDIOC_REQBUFS)');
    }
    this.#host.onClose();
    if (error) throw error;
  }

  /** `using`: close() when the scope ends. */
  [Symbol.dispose](): void {
    this.close();
  }

  #assertOpen(): void {
    if (this.#stream.state === 'closed')
      throw new LifecycleError(`${this.name} is closed`, {
        code: 'EBADF',
        hint: 'Open a new queue with device.queue()',
      });
  }
}
