import { ERRNO } from '../errno.js';
import { DmaBufError, SystemError } from '../errors.js';
import { FdWatcher, POLL_BITS, type PollOptions } from '../poll.js';
import type { ChannelInbox, ChannelMessage } from './channel-inbox.js';
import type { HeldSocket } from './socket-guard.js';
import type { ReceivedMessage } from './unix-socket.js';
import { addWaiter, type Waiter, type WaitSpec } from './waiters.js';

export type { BufferMessage, ChannelMessage, PlainMessage } from './channel-inbox.js';

/**
 * What a waiter wants: RAW the next message as it came off the socket (the
 * handshake; null at the end), ONE the next message, ITER the next iterator
 * result (done at the end or at close), MANY every message ready (up to max),
 * BATCHES the next iterator result of every message ready (up to max).
 */
const RAW = 0;
const ONE = 1;
const ITER = 2;
const MANY = 3;
const BATCHES = 4;
type Mode = typeof RAW | typeof ONE | typeof ITER | typeof MANY | typeof BATCHES;

interface ReceiveWaiter extends Waiter<unknown> {
  mode: Mode;
  max: number;
}

const { ECANCELED } = ERRNO;
/** The iterators' wait options: none (one object, not one per step). */
const NO_OPTIONS: PollOptions = Object.freeze({});
const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined });
/** Modes that end with done (not an error) at the end of the stream or at close. */
const iterates = (mode: Mode) => mode === ITER || mode === BATCHES;

/** The other side hung up and everything it sent was read (code ECONNRESET). */
function endError(label: string): DmaBufError {
  return new DmaBufError(`${label} closed the channel`, {
    code: 'ECONNRESET',
    hint: 'The other process closed its end or exited; buffers received before stay valid',
  });
}

/** Settle every waiter left once the stream ended (or the channel failed: `failure`). */
function settleAll(waiters: ReceiveWaiter[], failure: unknown, label: string): void {
  for (const w of waiters.splice(0)) {
    if (failure !== undefined) w.reject(failure);
    else if (w.mode === RAW) w.resolve(null);
    else if (iterates(w.mode)) w.resolve(DONE);
    else w.reject(endError(label));
  }
}

/**
 * The receiving half of a channel peer: its waiters (receive, receiveMany,
 * the iterators, the handshake), served in order from the inbox
 * (channel-inbox.ts), which reads the socket in batches. While someone
 * waits and nothing is read, the socket's FdWatcher is armed for POLLIN and
 * calls back straight from libuv: the read and the delivery run in that
 * callback, so a wakeup costs no promise of its own, and the waiters are
 * settled straight from the read. A caller that waits again from a promise
 * continuation of that delivery (request/reply, an iterator) finds the
 * watcher still armed and keeps it so, with no native call.
 */
export class ChannelReceiver {
  readonly #label: string;
  /** The peer: a pending read (which holds this receiver) keeps it alive, so its safety net never closes the socket under a waiting caller. */
  readonly owner: object;
  readonly #held: HeldSocket;
  readonly #inbox: ChannelInbox;
  readonly #waiters: ReceiveWaiter[] = [];
  #closed = false;
  readonly #dropped = () => {
    if (this.#waiters.length === 0) this.#held.watcher?.idle();
  };
  readonly #onReady = (bits: number) => {
    if (bits < 0 && bits !== -ECANCELED) {
      // the watcher disarmed itself (an error); everyone waiting gets it
      this.#inbox.fail(new SystemError(`${this.#label}: waiting for a message failed`, -bits, 'uv_poll'));
      this.#dispatch();
      return;
    }
    this.#serve(false);
  };

  /** How a wait is named in its errors (made once, not per wait). */
  readonly #spec: WaitSpec;

  constructor(owner: object, held: HeldSocket, inbox: ChannelInbox, label: string) {
    this.owner = owner;
    this.#held = held;
    this.#inbox = inbox;
    this.#label = label;
    this.#spec = {
      what: `receive on ${label}`,
      timeoutHint: 'Raise timeoutMs, or check that the other process sends',
      dropped: this.#dropped,
    };
  }

  /** The other side hung up and every message it sent has been read. */
  get ended(): boolean {
    return this.#inbox.drained;
  }

  /** The next message (see ChannelPeer.receive); options already checked. */
  receive(options: PollOptions): Promise<ChannelMessage> {
    if (this.#waiters.length === 0) {
      const m = this.#inbox.ready();
      if (m === null) throw endError(this.#label);
      if (m !== undefined) return Promise.resolve(m);
    }
    return this.#wait(ONE, 1, options) as Promise<ChannelMessage>;
  }

  /** Every message ready now, at least one (see ChannelPeer.receiveMany). */
  receiveMany(max: number, options: PollOptions): Promise<ChannelMessage[]> {
    if (this.#waiters.length === 0) {
      const ms = this.#inbox.readyMany(max);
      if (ms === null) throw endError(this.#label);
      if (ms !== undefined) return Promise.resolve(ms);
    }
    return this.#wait(MANY, max, options) as Promise<ChannelMessage[]>;
  }

  /** The iterator's next(): done at the end of the stream or once closed. */
  next(): Promise<IteratorResult<ChannelMessage>> {
    if (this.#closed) return Promise.resolve(DONE);
    if (this.#waiters.length === 0) {
      const m = this.#inbox.ready();
      if (m === null) return Promise.resolve(DONE);
      if (m !== undefined) return Promise.resolve({ done: false, value: m });
    }
    return this.#wait(ITER, 1, NO_OPTIONS) as Promise<IteratorResult<ChannelMessage>>;
  }

  /** The batch iterator's next(): every message ready (up to max, at least one); done at the end of the stream or once closed. */
  nextBatch(max: number): Promise<IteratorResult<ChannelMessage[]>> {
    if (this.#closed) return Promise.resolve(DONE);
    if (this.#waiters.length === 0) {
      const ms = this.#inbox.readyMany(max);
      if (ms !== undefined) return Promise.resolve(ms === null ? DONE : { done: false, value: ms });
    }
    return this.#wait(BATCHES, max, NO_OPTIONS) as Promise<IteratorResult<ChannelMessage[]>>;
  }

  /** The next message as it came off the socket, null at the end (the handshake; caller closes its fds). */
  receiveRaw(options: PollOptions): Promise<ReceivedMessage | null> {
    return this.#wait(RAW, 1, options) as Promise<ReceivedMessage | null>;
  }

  /** Settle every waiter with `error` (ITER: done) and close every fd received but not delivered. */
  close(error: unknown): void {
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) {
      if (iterates(w.mode)) w.resolve(DONE);
      else w.reject(error);
    }
    this.#inbox.close();
  }

  #wait(mode: Mode, max: number, options: PollOptions): Promise<unknown> {
    // Called right after the inbox found nothing (so the socket was just read) when nobody waited before.
    const justRead = this.#waiters.length === 0 && mode !== RAW;
    const waiters = this.#waiters;
    const p =
      options.signal === undefined && options.timeoutMs === undefined
        ? new Promise<unknown>((resolve, reject) => {
            waiters.push({ resolve, reject, mode, max });
          })
        : addWaiter<unknown, ReceiveWaiter>(
            waiters,
            (resolve, reject) => ({ resolve, reject, mode, max }),
            options,
            this.#spec,
          );
    this.#pump(justRead);
    return p;
  }

  /** Hand what the inbox holds to the waiters in order; settle the rest at the end of the stream. */
  #dispatch(): void {
    const waiters = this.#waiters;
    const inbox = this.#inbox;
    while (waiters.length) {
      const w = waiters[0]!;
      if (w.mode === RAW) {
        const raw = inbox.takeRaw();
        if (raw === undefined) break;
        waiters.shift();
        w.resolve(raw);
        continue;
      }
      let value: unknown;
      try {
        value = w.mode === MANY || w.mode === BATCHES ? inbox.takeMany(w.max) : inbox.take();
      } catch (e) {
        waiters.shift();
        w.reject(e);
        continue;
      }
      if (value === undefined) break;
      waiters.shift();
      w.resolve(iterates(w.mode) ? { done: false, value } : value);
    }
    if (waiters.length && inbox.finished) settleAll(waiters, inbox.failure, this.#label);
  }

  /**
   * A waiter was added: serve it now, or, with the watcher armed and
   * nothing read left to hand out, at the next readiness (arm() keeps the
   * watcher armed, even within #onReady's call, where it would disarm after).
   * justRead: the caller read the socket empty a moment ago, in this same
   * run: arm at once.
   */
  #pump(justRead: boolean): void {
    const watcher = this.#held.watcher;
    if (watcher?.armed && this.#inbox.empty) watcher.arm(POLL_BITS.READABLE);
    else this.#serve(justRead);
  }

  /** Read, deliver, and arm the watcher for POLLIN while someone waits (idle once nobody does). */
  #serve(justRead: boolean): void {
    if (this.#closed) return;
    const inbox = this.#inbox;
    const held = this.#held;
    // Several at once: a stream is flowing; stay out of epoll while draining it (see FdWatcher.pause).
    if (!justRead && inbox.fillIfEmpty() > 1) held.watcher?.pause();
    this.#dispatch();
    if (!this.#waiters.length) {
      held.watcher?.idle();
      return;
    }
    try {
      if (!held.watcher) {
        held.watcher = new FdWatcher(held.fd, `${this.#label}: waiting for a message`);
        held.watcher.listen(this.#onReady);
      }
      held.watcher.arm(POLL_BITS.READABLE);
    } catch (e) {
      inbox.fail(e);
      this.#dispatch();
    }
  }
}
