// The stream of a V4L2 queue: QBUF/DQBUF, STREAMON/STREAMOFF, waiting for
// frames, and failing cleanly.
import {
  assertObject,
  assertPositive,
  type DmaBufError,
  ERRNO,
  LifecycleError,
  SystemError,
  timeoutError,
} from '@dmabuf/core';
import { check, POLL_BITS } from '@dmabuf/core/driver';
import { BUF_FLAG, FIELD_ANY, isOutputKind, MEMORY, type MemoryKind, type QueueKind } from './constants.js';
import { linkRuns, StreamError, streamErrorHint } from './errors.js';
import type { PixFormat } from './format.js';
import { type FrameOwner, type QueueBufferOptions, V4l2Frame } from './frame.js';
import { type RawBuffer, type RawQueuePlane, v4l2 } from './native.js';
import { qbufPlanes } from './qbuf-planes.js';
import type { QueueHost, QueueState, WaitOptions } from './queue-types.js';
import { RequeueSignal } from './requeue-signal.js';
import type { V4l2Slot } from './slot.js';
import type { SlotTable } from './slot-table.js';

const STOPPED = Symbol('stopped');

/** @internal What a stream knows of its queue. */
export interface StreamHost extends FrameOwner {
  readonly name: string;
  readonly kind: QueueKind;
  readonly memory: MemoryKind;
  readonly format: PixFormat;
  readonly planeCount: number;
}

/**
 * @internal The streaming state of a queue (idle → streaming → idle …, and
 * closed at last): buffers queued in the kernel, frames dequeued through
 * libuv polling, and a kernel refusal turned into a stopped stream, every
 * buffer detached, and one typed error.
 */
export class QueueStream {
  readonly #queue: StreamHost;
  readonly #host: QueueHost;
  readonly #type: number;
  readonly #slots: SlotTable;
  readonly #requeued = new RequeueSignal();
  /** QBUF planes of capture slots (see #qbufPlanes). */
  readonly #capturePlanes = new WeakMap<V4l2Slot, RawQueuePlane[]>();
  #state: QueueState = 'idle';
  #stopCtl = new AbortController();
  #failure: DmaBufError | undefined;
  #queued = 0;
  #ended = false;
  /** The link running this queue's frames in native code (its calls refused meanwhile): set by capture-port.ts. */
  linkedBy: string | undefined;
  /** Ends that link at once, the stream off (queue.close() while linked): set by capture-port.ts. */
  stopLink: (() => void) | undefined;

  constructor(queue: StreamHost, host: QueueHost, type: number, slots: SlotTable) {
    this.#queue = queue;
    this.#host = host;
    this.#type = type;
    this.#slots = slots;
  }

  get state(): QueueState {
    return this.#state;
  }

  /** Buffers the kernel holds right now (queued, not yet dequeued). */
  get queued(): number {
    return this.#queued;
  }

  /**
   * A memory-to-memory capture queue gave its last buffer (V4L2_BUF_FLAG_LAST,
   * after a drain or a resolution change): nothing more comes until the queue
   * is restarted (stop/start) or the device is told to start again.
   */
  get ended(): boolean {
    return this.#ended;
  }

  /** The device was told to go on after a drain (V4L2_ENC_CMD_START / V4L2_DEC_CMD_START). */
  resume(): void {
    this.#ended = false;
  }

  /** Why the stream failed last (until the next start). */
  get failure(): DmaBufError | undefined {
    return this.#failure;
  }

  /** QBUF of an attached slot; the kernel's echo. */
  qbuf(slot: V4l2Slot, options: QueueBufferOptions): RawBuffer {
    if (this.linkedBy) throw linkRuns(this.#queue.name, this.linkedBy);
    if (slot.state === 'queued') {
      throw new LifecycleError(`${this.#queue.name}: buffer index ${slot.index} is already queued`, {
        code: 'EBUSY',
        hint: 'Wait for it to be dequeued',
      });
    }
    const planes = this.#qbufPlanes(slot, options);
    const r = v4l2().qbuf(
      this.#host.fd,
      this.#type,
      MEMORY[this.#queue.memory],
      slot.index,
      planes,
      FIELD_ANY,
    );
    if (typeof r === 'number') {
      throw this.fail(
        r,
        'VIDIOC_QBUF',
        `the kernel refused buffer index ${slot.index} (${slot.buffers.map((b) => `${b.label}, ${b.size} bytes`).join('; ') || 'mmap'})`,
      );
    }
    slot.state = 'queued';
    slot.queuedCount++;
    this.#queued++;
    this.#requeued.wake();
    return r;
  }

  /** STREAMON. */
  start(): void {
    if (this.linkedBy) throw linkRuns(this.#queue.name, this.linkedBy);
    if (this.#state === 'streaming') return;
    this.#failure = undefined;
    this.#ended = false;
    this.check(v4l2().streamon(this.#host.fd, this.#type), 'VIDIOC_STREAMON', 'cannot start streaming');
    this.#stopCtl = new AbortController();
    this.#state = 'streaming';
  }

  /** STREAMOFF (see V4l2Queue.stop). */
  stop(options: { keepAttached?: boolean } = {}): void {
    if (this.#state === 'closed') return;
    if (this.linkedBy) throw linkRuns(this.#queue.name, this.linkedBy);
    let error: unknown;
    const wasStreaming = this.#state === 'streaming';
    if (wasStreaming || this.#queued > 0) {
      // STREAMOFF also hands back buffers queued before STREAMON
      this.#state = 'idle';
      const r = v4l2().streamoff(this.#host.fd, this.#type);
      if (r < 0 && r !== -ERRNO.ENODEV)
        error = new SystemError(`${this.#queue.name}: cannot stop streaming`, -r, 'ioctl(VIDIOC_STREAMOFF)');
      if (wasStreaming) {
        this.#host.poller.cancel(this, STOPPED);
        this.#stopCtl.abort(STOPPED);
      }
    }
    for (const s of this.#slots.slots) s.state = 'idle';
    this.#queued = 0;
    this.#ended = false;
    this.#requeued.wake();
    this.#host.poller.quiesce();
    if (!options.keepAttached && this.#queue.memory === 'dmabuf') this.#slots.dropAll();
    if (error) throw error;
  }

  /** Stopped for good: nothing streams again. */
  close(): void {
    this.#state = 'closed';
  }

  /** A buffer torn down from outside while queued: the stream fails with `error` and stops. */
  tornDown(error: StreamError): void {
    this.#failure = error;
    try {
      this.stop();
    } catch {
      // already failing: the original error is what the caller sees
    }
  }

  /**
   * The next buffer the device is done with, or undefined once the stream
   * is stopped. Readiness first, then DQBUF (as v4l2-ctl does with
   * select()): DQBUF takes the device lock, which a driver's frame thread
   * holds while it fills the next buffer (vivid does), so asking before a
   * buffer is done would fight the driver for it and slow the stream down.
   */
  async next(options: WaitOptions): Promise<V4l2Frame | undefined> {
    const { signal, timeoutMs } = options;
    assertObject('options', options);
    if (timeoutMs !== undefined) assertPositive('options.timeoutMs', timeoutMs, 2 ** 31 - 1);
    if (signal?.aborted) throw signal.reason;
    if (this.linkedBy) throw linkRuns(this.#queue.name, this.linkedBy);
    const deadline = timeoutMs !== undefined ? AbortSignal.timeout(timeoutMs) : undefined;
    let spurious = 0;
    for (;;) {
      if (this.#state !== 'streaming' || this.#ended) return undefined;
      const stop = this.#stopCtl.signal;
      // the stream's own stop ends the wait through poller.cancel(): no signal to listen to per frame
      const user =
        signal || deadline
          ? AbortSignal.any([...(signal ? [signal] : []), ...(deadline ? [deadline] : [])])
          : undefined;
      try {
        if (this.#queued === 0) {
          await this.#requeued.wait(user ? AbortSignal.any([stop, user]) : stop);
          continue;
        }
        if (spurious > 2) await new Promise((res) => setTimeout(res, Math.min(spurious, 20)));
        await this.#ready(user);
      } catch (e) {
        if (e === this.#failure && e !== undefined) throw e;
        if ((e === STOPPED || stop.aborted) && !signal?.aborted) return undefined;
        if (deadline?.aborted && !signal?.aborted) {
          throw timeoutError(
            `${this.#queue.name}: waiting for a ${isOutputKind(this.#queue.kind) ? 'buffer to come back' : 'frame'}`,
            timeoutMs!,
            `${this.#queued} buffer(s) queued: a driver may need more queued before it starts, and an output may keep the last one until the next arrives`,
          );
        }
        throw e;
      }
      if (this.#state !== 'streaming') return undefined;
      const r = v4l2().dqbuf(this.#host.fd, this.#type, MEMORY[this.#queue.memory]);
      if (typeof r !== 'number') return this.#frameOf(r);
      if (r === -ERRNO.EPIPE && !isOutputKind(this.#queue.kind)) {
        // an M2M capture queue past its LAST buffer (dequeued elsewhere): the end, not a failure
        this.#ended = true;
        return undefined;
      }
      if (r !== -ERRNO.EAGAIN) throw this.fail(r, 'VIDIOC_DQBUF', 'cannot dequeue a buffer');
      spurious++;
    }
  }

  /** Stop the stream cleanly (errors ignored), detach everything, and return the typed error to throw. */
  fail(result: number, ioctl: string, what: string): DmaBufError {
    const name = this.#queue.name;
    const errno = -result;
    const syscall = ioctl.startsWith('VIDIOC_') ? `ioctl(${ioctl})` : ioctl;
    const cause = new SystemError(`${name}: ${what}`, errno, syscall, streamErrorHint(errno));
    const err =
      errno === ERRNO.ENODEV
        ? this.#host.lost(cause)
        : new StreamError(`${name}: ${what}; the stream was stopped`, {
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
    if (this.#queue.memory === 'dmabuf') {
      try {
        this.#slots.dropAll();
      } catch {
        // as above
      }
    }
    return err;
  }

  /** A result of an ioctl of this queue as a value (see checkIoctl). */
  check<T>(r: T | number, ioctl: string, what: string, hint?: (errno: number) => string | undefined): T {
    return checkIoctl(this.#host, this.#queue.name, r, ioctl, what, hint);
  }

  /** Wait until the device says a buffer is done (or fails the stream if the device is gone). */
  async #ready(signal: AbortSignal | undefined): Promise<void> {
    const events = isOutputKind(this.#queue.kind) ? POLL_BITS.WRITABLE : POLL_BITS.READABLE;
    let got: number;
    try {
      got = await this.#host.poller.wait(events, signal, this);
    } catch (e) {
      if (!(e instanceof SystemError) || e.syscall !== 'poll') throw e;
      throw this.fail(
        this.#gone() ? -ERRNO.ENODEV : -(e.errno ?? ERRNO.EIO),
        'poll',
        'waiting for a buffer failed',
      );
    }
    if ((got & events) === 0 && (got & POLL_BITS.HANGUP) !== 0) {
      throw this.fail(this.#gone() ? -ERRNO.ENODEV : -ERRNO.EIO, 'poll', 'the device hung up');
    }
  }

  /** Whether the device is gone (every ioctl answers ENODEV once it is unregistered). */
  #gone(): boolean {
    return v4l2().querycap(this.#host.fd) === -ERRNO.ENODEV;
  }

  #frameOf(r: RawBuffer): V4l2Frame {
    const slot = this.#slots.at(r.index);
    if (!slot) {
      throw this.fail(
        -ERRNO.EIO,
        'VIDIOC_DQBUF',
        `the kernel returned index ${r.index}, which has no buffer here`,
      );
    }
    slot.state = 'dequeued';
    this.#queued--;
    if ((r.flags & BUF_FLAG.LAST) !== 0 && !isOutputKind(this.#queue.kind)) this.#ended = true;
    return new V4l2Frame(this.#queue, slot, r);
  }

  #qbufPlanes(slot: V4l2Slot, options: QueueBufferOptions): RawQueuePlane[] {
    const output = isOutputKind(this.#queue.kind);
    const used = options.bytesUsed;
    // A capture slot's QBUF planes never change (same buffers, nothing to say
    // about payloads): built once per slot, not per frame.
    if (!output && used === undefined) {
      let planes = this.#capturePlanes.get(slot);
      if (!planes) {
        planes = qbufPlanes(slot, false, undefined, this.#queue);
        this.#capturePlanes.set(slot, planes);
      }
      return planes;
    }
    return qbufPlanes(slot, output, used, this.#queue);
  }
}

/** @internal A result of an ioctl of a queue as a value: -errno → SystemError; ENODEV means the device is gone. */
export function checkIoctl<T>(
  host: QueueHost,
  name: string,
  r: T | number,
  ioctl: string,
  what: string,
  hint?: (errno: number) => string | undefined,
): T {
  if (r === -ERRNO.ENODEV)
    throw host.lost(new SystemError(`${name}: ${what}`, ERRNO.ENODEV, `ioctl(${ioctl})`));
  return check(r, `ioctl(${ioctl})`, `${name}: ${what}`, hint);
}
