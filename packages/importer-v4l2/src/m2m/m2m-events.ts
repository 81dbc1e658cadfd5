// V4L2 events of one device fd: subscribed by name, dequeued (VIDIOC_DQEVENT)
// when the readiness watcher says one is pending (POLLPRI).
import { assertObject, assertPositive, DmaBufError, ERRNO, timeoutError } from '@dmabuf/core';
import { check, POLL_BITS } from '@dmabuf/core/driver';
import { EVENT_TYPE, SRC_CH_RESOLUTION } from '../constants.js';
import { v4l2 } from '../native.js';
import type { FdPoller } from '../poller.js';
import type { WaitOptions } from '../queue-types.js';

/** The events a memory-to-memory device sends that this package acts on. */
export type M2mEventKind = 'eos' | 'source-change';

const TYPES: Record<M2mEventKind, number> = {
  eos: EVENT_TYPE.EOS,
  'source-change': EVENT_TYPE.SOURCE_CHANGE,
};

/** One dequeued event. */
export interface M2mEvent {
  /** 'eos' (the last buffer of a drain was dequeued), 'source-change', or 'other' (see type). */
  kind: M2mEventKind | 'other';
  /** V4L2_EVENT_* number. */
  type: number;
  /** SOURCE_CHANGE: the resolution changed (V4L2_EVENT_SRC_CH_RESOLUTION): reallocate the capture buffers. */
  resolutionChanged: boolean;
  /** The event's sequence number (counts events of every type on this fd). */
  sequence: number;
  /** Events still pending after this one. */
  pending: number;
}

/** @internal the events of one device fd (shared by its two queues). */
export class M2mEvents {
  readonly #fd: number;
  readonly #poller: FdPoller;
  readonly #name: string;
  readonly #subscribed = new Set<M2mEventKind>();

  constructor(fd: number, poller: FdPoller, name: string) {
    this.#fd = fd;
    this.#poller = poller;
    this.#name = name;
  }

  get subscribed(): M2mEventKind[] {
    return [...this.#subscribed];
  }

  /** VIDIOC_SUBSCRIBE_EVENT; ENOTSUP-like refusals say which device does not send it. */
  subscribe(kind: M2mEventKind): void {
    if (this.#subscribed.has(kind)) return;
    const r = v4l2().subscribeEvent(this.#fd, TYPES[kind], 0, 0, false);
    check(r, 'ioctl(VIDIOC_SUBSCRIBE_EVENT)', `${this.#name} does not send ${kind} events`, (errno) =>
      errno === ERRNO.EINVAL || errno === ERRNO.ENOTTY
        ? kind === 'eos'
          ? 'Only codecs (stateful encoders and decoders) send EOS; a scaler/converter such as vim2m drains by its queues alone'
          : 'Only stateful decoders send SOURCE_CHANGE'
        : undefined,
    );
    this.#subscribed.add(kind);
  }

  /** Every subscription ended (at close); errors ignored: the fd is going away. */
  unsubscribeAll(): void {
    for (const kind of this.#subscribed) v4l2().subscribeEvent(this.#fd, TYPES[kind], 0, 0, true);
    this.#subscribed.clear();
  }

  /** A pending event, without waiting (undefined when none is). */
  poll(): M2mEvent | undefined {
    const r = v4l2().dqevent(this.#fd);
    if (r === -ERRNO.ENOENT) return undefined;
    const e = check(r, 'ioctl(VIDIOC_DQEVENT)', `${this.#name}: cannot dequeue an event`);
    const kind =
      e.type === EVENT_TYPE.EOS ? 'eos' : e.type === EVENT_TYPE.SOURCE_CHANGE ? 'source-change' : 'other';
    return {
      kind,
      type: e.type,
      resolutionChanged: (e.changes & SRC_CH_RESOLUTION) !== 0,
      sequence: e.sequence,
      pending: e.pending,
    };
  }

  /** The next event (of `kind`, others dropped), through the readiness watcher (POLLPRI). */
  async next(kind?: M2mEventKind, options: WaitOptions = {}): Promise<M2mEvent> {
    assertObject('options', options);
    if (options.timeoutMs !== undefined) assertPositive('options.timeoutMs', options.timeoutMs, 2 ** 31 - 1);
    if (kind !== undefined && !this.#subscribed.has(kind)) {
      throw new DmaBufError(`${this.#name}: not subscribed to ${kind} events`, {
        code: 'EINVAL',
        hint: `Subscribe first (subscribe('${kind}'))`,
      });
    }
    const deadline = options.timeoutMs !== undefined ? AbortSignal.timeout(options.timeoutMs) : undefined;
    const signals = [options.signal, deadline].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length ? AbortSignal.any(signals) : undefined;
    let idle = 0;
    for (;;) {
      const e = this.poll();
      if (e && (kind === undefined || e.kind === kind)) return e;
      if (e) continue;
      // EPOLLERR (both queues idle) wakes every waiter: back off instead of spinning
      if (idle > 2) await new Promise((res) => setTimeout(res, Math.min(idle * 2, 20)));
      try {
        await this.#poller.wait(POLL_BITS.PRIORITY, signal, this);
      } catch (err) {
        if (deadline?.aborted && !options.signal?.aborted)
          throw timeoutError(
            `${this.#name}: waiting for ${kind ?? 'an'} event`,
            options.timeoutMs!,
            undefined,
          );
        throw err;
      }
      idle++;
    }
  }
}
