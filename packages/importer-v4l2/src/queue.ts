import {
  assertObject,
  assertPositive,
  assertUint,
  type BufferLayout,
  DmaBuf,
  DmaBufError,
  type Framework,
  type Importer,
  invalidArgument,
  LifecycleError,
  mmapFd,
  NegotiationError,
  SystemError,
  timeoutError,
} from '@dmabuf/core';
import { check } from '@dmabuf/core/driver';
import { DeviceBufferView } from './buffer-view.js';
import { type BufferCapabilities, decodeBufferCapabilities } from './capabilities.js';
import {
  BUF_TYPE,
  ERRNO,
  FIELD_ANY,
  isOutputKind,
  MEMORY,
  type MemoryKind,
  type QueueKind,
} from './constants.js';
import { planeConstraints } from './constraints.js';
import { StreamError, streamErrorHint } from './errors.js';
import { formatFromRaw, layoutPlanes, type PixFormat } from './format.js';
import { type FrameOwner, type QueueBufferOptions, V4l2Frame } from './frame.js';
import { type RawBuffer, type RawQueuePlane, v4l2 } from './native.js';
import { qbufPlanes } from './qbuf-planes.js';
import type { QueuedBuffer, QueueHost, QueueState, SlotInput, WaitOptions } from './queue-types.js';
import { type SlotHandle, type SlotPlane, slotKey, V4l2Slot } from './slot.js';
import { normaliseSlotInput } from './slot-input.js';

const STOPPED = Symbol('stopped');

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
 */
export class V4l2Queue implements FrameOwner, Disposable {
  readonly kind: QueueKind;
  readonly memory: MemoryKind;
  /** The format negotiated when the queue was opened (S_FMT is refused while buffers exist). */
  readonly format: PixFormat;
  /** Buffer capability bits from REQBUFS (is DMABUF supported, ...). */
  readonly capabilities: BufferCapabilities;
  /** How many buffer indices the driver gave. */
  readonly count: number;
  readonly #host: QueueHost;
  readonly #type: number;
  readonly #importers: Importer<SlotHandle>[];
  readonly #slots: (V4l2Slot | undefined)[];
  readonly #byKey = new Map<string, V4l2Slot>();
  readonly #requeueWaiters = new Set<() => void>();
  /** QBUF planes of capture slots (see #qbufPlanes). */
  readonly #capturePlanes = new WeakMap<V4l2Slot, RawQueuePlane[]>();
  #state: QueueState = 'idle';
  #stopCtl = new AbortController();
  #pending: SlotHandle | undefined;
  #detaching = false;
  #failure: DmaBufError | undefined;
  #queued = 0;

  /** @internal use device.queue() */
  constructor(host: QueueHost, kind: QueueKind, options: { memory?: MemoryKind; count?: number }) {
    this.#host = host;
    this.kind = kind;
    this.#type = BUF_TYPE[kind];
    this.memory = options.memory ?? 'dmabuf';
    const want = options.count ?? 4;
    assertPositive('options.count', want, 32);
    const rawFmt = this.#check(
      v4l2().getFormat(host.fd, this.#type),
      'VIDIOC_G_FMT',
      'cannot read the format',
    );
    this.format = formatFromRaw(rawFmt);
    const r = v4l2().reqbufs(host.fd, this.#type, MEMORY[this.memory], want);
    if (r === -ERRNO.EINVAL && this.memory === 'dmabuf') {
      const caps = v4l2().reqbufs(host.fd, this.#type, MEMORY.mmap, 0);
      const dmabuf =
        typeof caps === 'number'
          ? 'unknown'
          : decodeBufferCapabilities(caps.capabilities).dmabuf
            ? 'set'
            : 'not set';
      throw new SystemError(
        `${this.name}: the driver refuses DMABUF buffers (V4L2_BUF_CAP_SUPPORTS_DMABUF ${dmabuf})`,
        ERRNO.EINVAL,
        'ioctl(VIDIOC_REQBUFS)',
        "Use memory: 'mmap' and export the buffers (queue.exportBuffers()), or copy",
      );
    }
    const rb = this.#check(r, 'VIDIOC_REQBUFS', `cannot request ${want} ${this.memory} buffers`, (errno) =>
      errno === ERRNO.EBUSY
        ? 'Another process (or another queue on this fd) owns the buffers; close it first'
        : undefined,
    );
    this.capabilities = decodeBufferCapabilities(rb.capabilities);
    this.count = rb.count;
    if (rb.count === 0) {
      throw new DmaBufError(`${this.name}: the driver gave no buffers`, {
        code: 'ENOMEM',
        hint: 'Ask for fewer or smaller buffers',
      });
    }
    this.#slots = new Array(rb.count).fill(undefined);
    if (this.memory === 'mmap') {
      for (let i = 0; i < rb.count; i++) this.#slots[i] = new V4l2Slot(i, [], `mmap:${i}`);
    }
    this.#importers = this.format.planes.map((_, p) => this.#makeImporter(p));
  }

  /** 'V4L2 /dev/video0 (capture)': how messages name this queue. */
  get name(): string {
    return `${this.#host.device.name} (${this.kind})`;
  }

  get state(): QueueState {
    return this.#state;
  }

  get streaming(): boolean {
    return this.#state === 'streaming';
  }

  /** Memory planes per buffer: 1 except for the multi-planar 'M' formats. */
  get planeCount(): number {
    return this.format.planes.length;
  }

  /** Slots with buffers (DMABUF) or every index (MMAP). */
  get slots(): V4l2Slot[] {
    return this.#slots.filter((s): s is V4l2Slot => s !== undefined);
  }

  /** Buffers the kernel holds right now (queued, not yet dequeued). */
  get queuedCount(): number {
    return this.#queued;
  }

  /** The core Importer of one memory plane (its constraints come from the negotiated format). */
  importerFor(plane = 0): Importer<SlotHandle> {
    const imp = this.#importers[plane];
    if (!imp) throw invalidArgument('plane', `a plane index below ${this.planeCount}`, plane);
    return imp;
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
   * mapped for the device. The same buffers get the same slot back.
   */
  attach(input: SlotInput): V4l2Slot {
    this.#assertOpen();
    if (this.memory !== 'dmabuf') {
      throw new LifecycleError(`${this.name}: an MMAP queue allocates its own buffers`, {
        code: 'EINVAL',
        hint: "Open the queue with memory: 'dmabuf' to import, or use exportBuffers() to get these as dma-bufs",
      });
    }
    const planes = normaliseSlotInput(input, this);
    const key = slotKey(planes);
    const known = this.#byKey.get(key);
    if (known) return known;
    const index = this.#slots.indexOf(undefined);
    if (index < 0) {
      throw new LifecycleError(`${this.name}: all ${this.count} slots are taken`, {
        code: 'EBUSY',
        hint: 'Detach a buffer (queue.detach()) or open the queue with a larger count',
      });
    }
    const direction = isOutputKind(this.kind) ? 'to-device' : 'from-device';
    const done: SlotPlane[] = [];
    try {
      planes.forEach((p, plane) => {
        const need = this.format.planes[plane]!.sizeimage;
        if (p.offset > 0 && p.offset + need > p.buffer.size) {
          throw new NegotiationError(
            `${this.importerFor(plane).name} needs ${need} bytes from offset ${p.offset}, ${p.buffer.label} has ${p.buffer.size - p.offset}`,
          );
        }
        const attachment = p.buffer.attach(this.importerFor(plane));
        const sp: SlotPlane = { buffer: p.buffer, offset: p.offset, attachment };
        done.push(sp);
        this.#pending = { slot: index, plane };
        sp.mapping = attachment.map(direction);
      });
    } catch (e) {
      this.#release(done);
      throw e;
    } finally {
      this.#pending = undefined;
    }
    const slot = new V4l2Slot(index, done, key);
    this.#slots[index] = slot;
    this.#byKey.set(key, slot);
    return slot;
  }

  /** The slot a buffer is attached in, if any. */
  slotOf(buffer: DmaBuf): V4l2Slot | undefined {
    return this.slots.find((s) => s.planes.some((p) => p.buffer === buffer));
  }

  /** Unmap and detach a slot's buffers. Refused (EBUSY) while the kernel holds it. */
  detach(target: V4l2Slot | DmaBuf): void {
    const slot = this.#resolve(target);
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
    this.#dropSlot(slot);
  }

  /**
   * QBUF: hand a slot (or an attached buffer, attaching it if needed) to the
   * device. Output queues take the payload size per plane. A kernel refusal
   * stops the stream cleanly (every buffer detached) and throws StreamError.
   */
  queue(target: V4l2Slot | SlotInput | number, options: QueueBufferOptions = {}): QueuedBuffer {
    this.#assertOpen();
    assertObject('options', options);
    let slot: V4l2Slot;
    if (typeof target === 'number') {
      assertUint('index', target, this.count - 1);
      const s = this.#slots[target];
      if (!s)
        throw new LifecycleError(`${this.name}: index ${target} has no buffer attached`, {
          code: 'EINVAL',
          hint: 'Attach a buffer first (queue.attach(buf))',
        });
      slot = s;
    } else if (target instanceof V4l2Slot) {
      slot = this.#resolve(target);
    } else {
      slot = this.attach(target);
    }
    const r = this.#qbuf(slot, options);
    return {
      index: r.index,
      flags: r.flags,
      planes: r.planes.map((p) => ({
        ...(p.fd !== undefined ? { fd: p.fd } : {}),
        length: p.length,
        bytesUsed: p.bytesused,
        dataOffset: p.dataOffset,
      })),
    };
  }

  /**
   * @internal FrameOwner: a frame goes back to its slot (once per frame: the
   * kernel's echo is not turned into a QueuedBuffer nobody reads).
   */
  requeue(slot: V4l2Slot, options: QueueBufferOptions = {}): void {
    this.#assertOpen();
    assertObject('options', options);
    this.#qbuf(this.#resolve(slot), options);
  }

  /** QBUF of an attached slot; the kernel's echo. */
  #qbuf(slot: V4l2Slot, options: QueueBufferOptions): RawBuffer {
    if (slot.state === 'queued') {
      throw new LifecycleError(`${this.name}: buffer index ${slot.index} is already queued`, {
        code: 'EBUSY',
        hint: 'Wait for it to be dequeued',
      });
    }
    const planes = this.#qbufPlanes(slot, options);
    const r = v4l2().qbuf(this.#host.fd, this.#type, MEMORY[this.memory], slot.index, planes, FIELD_ANY);
    if (typeof r === 'number') {
      throw this.#fail(
        r,
        'VIDIOC_QBUF',
        `the kernel refused buffer index ${slot.index} (${slot.buffers.map((b) => `${b.label}, ${b.size} bytes`).join('; ') || 'mmap'})`,
      );
    }
    slot.state = 'queued';
    slot.queuedCount++;
    this.#queued++;
    if (this.#requeueWaiters.size) for (const wake of [...this.#requeueWaiters]) wake();
    return r;
  }

  /** STREAMON. */
  start(): void {
    this.#assertOpen();
    if (this.#state === 'streaming') return;
    this.#failure = undefined;
    this.#check(v4l2().streamon(this.#host.fd, this.#type), 'VIDIOC_STREAMON', 'cannot start streaming');
    this.#stopCtl = new AbortController();
    this.#state = 'streaming';
  }

  /**
   * STREAMOFF: every buffer comes back from the kernel; pending waits end.
   * Then every slot is detached unless `keepAttached` (to restart with the
   * same buffers).
   */
  stop(options: { keepAttached?: boolean } = {}): void {
    if (this.#state === 'closed') return;
    let error: unknown;
    const wasStreaming = this.#state === 'streaming';
    if (wasStreaming || this.#queued > 0) {
      // STREAMOFF also hands back buffers queued before STREAMON
      this.#state = 'idle';
      const r = v4l2().streamoff(this.#host.fd, this.#type);
      if (r < 0 && r !== -ERRNO.ENODEV)
        error = new SystemError(`${this.name}: cannot stop streaming`, -r, 'ioctl(VIDIOC_STREAMOFF)');
      if (wasStreaming) {
        this.#host.poller.cancel(this, STOPPED);
        this.#stopCtl.abort(STOPPED);
      }
    }
    for (const s of this.slots) s.state = 'idle';
    this.#queued = 0;
    for (const wake of [...this.#requeueWaiters]) wake();
    this.#host.poller.quiesce();
    if (!options.keepAttached && this.memory === 'dmabuf') this.#detachAll();
    if (error) throw error;
  }

  /**
   * Wait for the next buffer the device is done with (DQBUF through libuv
   * polling). Rejects with StreamError/DeviceLostError on failure (the
   * stream is then stopped, every buffer detached), with the signal's reason
   * when aborted, with LifecycleError when the stream was stopped.
   */
  async dequeue(options: WaitOptions = {}): Promise<V4l2Frame> {
    const frame = await this.#next(options);
    if (!frame) {
      throw (
        this.#failure ??
        new LifecycleError(`${this.name}: the stream was stopped`, {
          code: 'EPIPE',
          hint: 'Start it again (queue.start())',
        })
      );
    }
    return frame;
  }

  /**
   * The frames of the stream, as they come; ends when the stream is stopped
   * (or the signal aborts), throws StreamError when it fails. Requeue each
   * frame (frame.requeue(), or `using`) when done with it.
   */
  async *frames(options: WaitOptions = {}): AsyncGenerator<V4l2Frame, void, undefined> {
    for (;;) {
      if (options.signal?.aborted) return;
      let frame: V4l2Frame | undefined;
      try {
        frame = await this.#next(options);
      } catch (e) {
        if (options.signal?.aborted && e === options.signal.reason) return;
        throw e;
      }
      if (!frame) {
        if (this.#failure) throw this.#failure;
        return;
      }
      yield frame;
    }
  }

  /**
   * EXPBUF: a new dma-buf fd of an MMAP buffer's plane (O_RDWR, CLOEXEC);
   * the caller owns it. Refused by the kernel (EINVAL) on a DMABUF queue.
   */
  exportFd(index: number, plane = 0): number {
    this.#assertOpen();
    assertUint('index', index, this.count - 1);
    assertUint('plane', plane, this.planeCount - 1);
    return this.#check(
      v4l2().expbuf(this.#host.fd, this.#type, index, plane),
      'VIDIOC_EXPBUF',
      `cannot export buffer index ${index} plane ${plane}`,
      (errno) =>
        errno === ERRNO.EINVAL && this.memory !== 'mmap'
          ? "Only MMAP buffers can be exported: open the queue with memory: 'mmap'"
          : undefined,
    );
  }

  /**
   * Map an MMAP buffer's plane for the CPU through the device fd (QUERYBUF
   * for its offset, then mmap), without a dma-buf. The kernel refuses this
   * (EINVAL) on an importing queue: map the dma-buf instead.
   */
  mapBuffer(index: number, plane = 0, options: { writable?: boolean } = {}): DeviceBufferView {
    this.#assertOpen();
    assertUint('index', index, this.count - 1);
    assertUint('plane', plane, this.planeCount - 1);
    const info = this.#check(
      v4l2().querybuf(this.#host.fd, this.#type, MEMORY[this.memory], index),
      'VIDIOC_QUERYBUF',
      `cannot query buffer index ${index}`,
    );
    const p = info.planes[plane];
    const length = p?.length || this.format.planes[plane]!.sizeimage;
    const ab = mmapFd(this.#host.fd, p?.memOffset ?? 0, length, options.writable ?? false, {
      what: `${this.name}: cannot map buffer index ${index} plane ${plane}`,
      hint: (errno) =>
        errno === ERRNO.EINVAL && this.memory !== 'mmap'
          ? "Only MMAP buffers can be mapped through the device; map the dma-buf you queued (buf.cpuAccess('read'))"
          : undefined,
    });
    return new DeviceBufferView(index, plane, ab);
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

  /** One MMAP buffer's plane as a DmaBuf of `framework`. */
  exportBuffer(framework: Framework, index: number, plane = 0): DmaBuf {
    const buf = framework.export({ exporter: 'v4l2', options: { queue: this, index, plane } });
    const slot = this.#slots[index];
    if (slot && this.memory === 'mmap') {
      const planes = [...slot.planes];
      planes[plane] = { buffer: buf, offset: 0 };
      const next = new V4l2Slot(index, planes, slot.key);
      next.state = slot.state;
      next.queuedCount = slot.queuedCount;
      this.#slots[index] = next;
    }
    return buf;
  }

  /** Stop, detach every buffer, free the kernel's buffers (REQBUFS 0). The queue cannot be used again. */
  close(): void {
    if (this.#state === 'closed') return;
    let error: unknown;
    try {
      this.stop();
    } catch (e) {
      error = e;
    }
    if (this.memory === 'dmabuf') this.#detachAll();
    this.#state = 'closed';
    this.#host.poller.quiesce(); // before the buffers go: see FdPoller.quiesce
    const r = v4l2().reqbufs(this.#host.fd, this.#type, MEMORY[this.memory], 0);
    if (r !== -ERRNO.ENODEV && r !== -ERRNO.EBADF && typeof r === 'number' && r < 0 && !error) {
      error = new SystemError(`${this.name}: cannot free the buffers`, -r, 'ioctl(VIDIOC_REQBUFS)');
    }
    this.#host.onClose();
    if (error) throw error;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  // --- internals -----------------------------------------------------------

  /**
   * Readiness first, then DQBUF (as v4l2-ctl does with select()): DQBUF takes
   * the device lock, which a driver's frame thread holds while it fills the
   * next buffer (vivid does), so asking before a buffer is done would fight
   * the driver for it and slow the stream down.
   */
  async #next(options: WaitOptions): Promise<V4l2Frame | undefined> {
    const { signal, timeoutMs } = options;
    assertObject('options', options);
    if (timeoutMs !== undefined) assertPositive('options.timeoutMs', timeoutMs, 2 ** 31 - 1);
    if (signal?.aborted) throw signal.reason;
    const deadline = timeoutMs !== undefined ? AbortSignal.timeout(timeoutMs) : undefined;
    let spurious = 0;
    for (;;) {
      if (this.#state !== 'streaming') return undefined;
      const stop = this.#stopCtl.signal;
      // the stream's own stop ends the wait through poller.cancel(): no signal to listen to per frame
      const user =
        signal || deadline
          ? AbortSignal.any([...(signal ? [signal] : []), ...(deadline ? [deadline] : [])])
          : undefined;
      try {
        if (this.#queued === 0) {
          await this.#untilRequeued(user ? AbortSignal.any([stop, user]) : stop);
          continue;
        }
        if (spurious > 2) await new Promise((res) => setTimeout(res, Math.min(spurious, 20)));
        await this.#ready(user);
      } catch (e) {
        if (e instanceof DmaBufError && e === this.#failure) throw e;
        if ((e === STOPPED || stop.aborted) && !signal?.aborted) return undefined;
        if (deadline?.aborted && !signal?.aborted) {
          throw timeoutError(
            `${this.name}: waiting for a ${isOutputKind(this.kind) ? 'buffer to come back' : 'frame'}`,
            timeoutMs!,
            `${this.#queued} buffer(s) queued: a driver may need more queued before it starts, and an output may keep the last one until the next arrives`,
          );
        }
        throw e;
      }
      if (this.#state !== 'streaming') return undefined;
      const r = v4l2().dqbuf(this.#host.fd, this.#type, MEMORY[this.memory]);
      if (typeof r !== 'number') return this.#frameOf(r);
      if (r !== -ERRNO.EAGAIN) throw this.#fail(r, 'VIDIOC_DQBUF', 'cannot dequeue a buffer');
      spurious++;
    }
  }

  /** Wait until the device says a buffer is done (or fails the stream if the device is gone). */
  async #ready(signal: AbortSignal | undefined): Promise<void> {
    const events = isOutputKind(this.kind) ? v4l2().poll.WRITABLE : v4l2().poll.READABLE;
    let got: number;
    try {
      got = await this.#host.poller.wait(events, signal, this);
    } catch (e) {
      if (!(e instanceof SystemError) || e.syscall !== 'poll') throw e;
      throw this.#fail(
        this.#gone() ? -ERRNO.ENODEV : -(e.errno ?? ERRNO.EIO),
        'poll',
        'waiting for a buffer failed',
      );
    }
    if ((got & events) === 0 && (got & v4l2().poll.DISCONNECT) !== 0) {
      throw this.#fail(this.#gone() ? -ERRNO.ENODEV : -ERRNO.EIO, 'poll', 'the device hung up');
    }
  }

  /** Whether the device is gone (every ioctl answers ENODEV once it is unregistered). */
  #gone(): boolean {
    return v4l2().querycap(this.#host.fd) === -ERRNO.ENODEV;
  }

  #untilRequeued(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const done = () => {
        this.#requeueWaiters.delete(done);
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.#requeueWaiters.delete(done);
        reject(signal.reason);
      };
      this.#requeueWaiters.add(done);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #frameOf(r: RawBuffer): V4l2Frame {
    const slot = this.#slots[r.index];
    if (!slot) {
      throw this.#fail(
        -ERRNO.EIO,
        'VIDIOC_DQBUF',
        `the kernel returned index ${r.index}, which has no buffer here`,
      );
    }
    slot.state = 'dequeued';
    this.#queued--;
    return new V4l2Frame(this, slot, r);
  }

  #qbufPlanes(slot: V4l2Slot, options: QueueBufferOptions): RawQueuePlane[] {
    const output = isOutputKind(this.kind);
    const used = options.bytesUsed;
    // A capture slot's QBUF planes never change (same buffers, nothing to say
    // about payloads): built once per slot, not per frame.
    if (!output && used === undefined) {
      let planes = this.#capturePlanes.get(slot);
      if (!planes) {
        planes = qbufPlanes(slot, false, undefined, this);
        this.#capturePlanes.set(slot, planes);
      }
      return planes;
    }
    return qbufPlanes(slot, output, used, this);
  }

  #makeImporter(plane: number): Importer<SlotHandle> {
    const name = this.planeCount > 1 ? `${this.name} plane ${plane}` : this.name;
    return {
      name,
      constraints: () => planeConstraints(this.format, plane),
      onMap: () => {
        if (!this.#pending || this.#pending.plane !== plane) {
          throw new LifecycleError(`${name}: map a buffer for this queue through queue.attach(buf)`, {
            code: 'EINVAL',
            hint: 'The queue assigns slots; attach with queue.attach() rather than buf.attach(importer).map()',
          });
        }
        return { ...this.#pending };
      },
      onDetach: (att) => {
        if (this.#detaching || this.#pending) return;
        // Torn down from outside (framework close): drop the slot; stop if the kernel held it.
        const slot = this.slots.find((s) => s.planes.some((p) => p.attachment === att));
        if (!slot) return;
        const wasQueued = slot.state === 'queued';
        for (const p of slot.planes) if (p.attachment === att) p.attachment = undefined;
        if (wasQueued) {
          this.#failure = new StreamError(
            `${this.name}: ${att.buffer.label} was torn down while queued; the stream was stopped`,
            {
              code: 'EPIPE',
              hint: 'Stop the queue before closing the framework that owns its buffers',
            },
          );
          try {
            this.stop();
          } catch {
            // already failing: the original error is what the caller sees
          }
        }
        this.#forget(slot);
        this.#release([...slot.planes]);
      },
    };
  }

  #release(planes: SlotPlane[]): void {
    this.#detaching = true;
    try {
      for (const p of planes.reverse()) {
        if (p.mapping?.mapped) p.mapping.unmap();
        if (p.attachment?.attached) p.attachment.detach();
      }
    } finally {
      this.#detaching = false;
    }
  }

  #forget(slot: V4l2Slot): void {
    if (this.#slots[slot.index] === slot) this.#slots[slot.index] = undefined;
    if (this.#byKey.get(slot.key) === slot) this.#byKey.delete(slot.key);
  }

  #dropSlot(slot: V4l2Slot): void {
    this.#forget(slot);
    this.#release([...slot.planes]);
  }

  #detachAll(): void {
    const errors: unknown[] = [];
    for (const s of this.slots) {
      try {
        this.#dropSlot(s);
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length)
      throw new AggregateError(errors, `${this.name}: ${errors.length} error(s) while detaching`);
  }

  #resolve(target: V4l2Slot | DmaBuf): V4l2Slot {
    const slot =
      target instanceof DmaBuf
        ? this.slotOf(target)
        : this.#slots[target.index] === target
          ? target
          : undefined;
    if (!slot)
      throw new LifecycleError(
        `${this.name}: ${target instanceof DmaBuf ? target.label : `slot ${target.index}`} is not attached here`,
        { code: 'EINVAL', hint: 'Attach it first (queue.attach(buf))' },
      );
    return slot;
  }

  /** Stop the stream cleanly (errors ignored), detach everything, and return the typed error to throw. */
  #fail(result: number, ioctl: string, what: string): DmaBufError {
    const errno = -result;
    const syscall = ioctl.startsWith('VIDIOC_') ? `ioctl(${ioctl})` : ioctl;
    const cause = new SystemError(`${this.name}: ${what}`, errno, syscall, streamErrorHint(errno));
    const err =
      errno === ERRNO.ENODEV
        ? this.#host.lost(cause)
        : new StreamError(`${this.name}: ${what}; the stream was stopped`, {
            code: cause.code,
            errno,
            syscall,
            ...(streamErrorHint(errno) ? { hint: streamErrorHint(errno)! } : {}),
            cause,
          });
    this.#failure = err;
    try {
      this.stop();
    } catch {
      // the stream is failing already; keep the first error
    }
    if (this.memory === 'dmabuf') {
      try {
        this.#detachAll();
      } catch {
        // as above
      }
    }
    return err;
  }

  #check<T>(r: T | number, ioctl: string, what: string, hint?: (errno: number) => string | undefined): T {
    if (r === -ERRNO.ENODEV)
      throw this.#host.lost(new SystemError(`${this.name}: ${what}`, ERRNO.ENODEV, `ioctl(${ioctl})`));
    return check(r, `ioctl(${ioctl})`, `${this.name}: ${what}`, hint);
  }

  #assertOpen(): void {
    if (this.#state === 'closed')
      throw new LifecycleError(`${this.name} is closed`, {
        code: 'EBADF',
        hint: 'Open a new queue with device.queue()',
      });
  }
}
