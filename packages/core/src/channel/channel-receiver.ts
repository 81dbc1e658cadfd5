import type { DmaBuf } from '../dma-buf.js';
import { DmaBufError, SystemError } from '../errors.js';
import { FdWatcher, type PollOptions } from '../poll.js';
import type { Adoption } from './adoption.js';
import { refusedError } from './allow-list.js';
import { decodeReceived, type Head } from './protocol.js';
import type { HeldSocket } from './socket-guard.js';
import type { PeerCredentials } from './unix-socket.js';
import { closeOwned, RECEIVE_BATCH, type ReceivedMessage, receiveRaw } from './unix-socket.js';
import { addWaiter, type Waiter } from './waiters.js';

/** A buffer that came over the channel: yours to put() (or `using`). */
export interface BufferMessage {
  /** The received buffer, adopted into the peer's framework (the same object if this process already knew it). */
  buffer: DmaBuf;
  /** What the sender passed as meta (undefined when none). */
  meta: unknown;
  /** The sender's exporter plugin name. */
  exporter: string;
}

/** A plain JSON message (peer.sendMessage). */
export interface PlainMessage {
  /** The value the sender passed to sendMessage(), after a JSON round trip. */
  message: unknown;
}

/** What `peer.receive()` gives: a buffer (with its metadata) or a plain message. */
export type ChannelMessage = BufferMessage | PlainMessage;

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

const ECANCELED = 125;
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
 * The receiving half of a channel peer: reads the socket in batches
 * (recvmmsg) into an inbox while someone waits, decodes messages in order
 * (protocol.ts), adopts buffers (adoption.ts) and settles the waiters
 * straight from the read (no promise in between). The fds of decoded
 * messages are closed together once the inbox is empty: one close_range per
 * batch.
 */
export class ChannelReceiver {
  readonly #label: string;
  readonly #credentials: PeerCredentials;
  /** The peer: a pending read (which holds this receiver) keeps it alive, so its safety net never closes the socket under a waiting caller. */
  readonly owner: object;
  readonly #held: HeldSocket;
  readonly #adoption: Adoption;
  readonly #inbox: ReceivedMessage[];
  /** fds of decoded messages (the framework holds its own duplicate, or had the buffer). */
  readonly #spent: number[];
  /** The head whose prefix the messages now in the inbox were read with. */
  #inboxHead: Head | undefined;
  /** The head of the last buffer message with a cacheable head: the next read asks the socket to strip it. */
  #head: Head | undefined;
  readonly #waiters: ReceiveWaiter[] = [];
  #ended = false;
  #failure: unknown;
  /** A decode error held back by a MANY delivery: the next delivery's first. */
  #deferred: unknown;
  #reading = false;
  /** A wait is pending on the socket's watcher. */
  #watching = false;
  /** The last read found exactly one message (request/reply traffic, see #ready). */
  #single = false;
  #closed = false;
  readonly #dropped = () => {
    if (this.#waiters.length === 0 && this.#watching) this.#held.watcher?.cancel();
  };

  constructor(
    owner: object,
    held: HeldSocket,
    adoption: Adoption,
    label: string,
    credentials: PeerCredentials,
  ) {
    this.owner = owner;
    this.#held = held;
    this.#adoption = adoption;
    this.#label = label;
    this.#credentials = credentials;
    this.#inbox = held.inbox!;
    this.#spent = held.spent!;
  }

  /** The other side hung up and every message it sent has been read. */
  get ended(): boolean {
    return this.#ended && this.#inbox.length === 0;
  }

  /** The next message (see ChannelPeer.receive); options already checked. */
  receive(options: PollOptions): Promise<ChannelMessage> {
    if (this.#waiters.length === 0) {
      const m = this.#ready();
      if (m === null) throw endError(this.#label);
      if (m !== undefined) return Promise.resolve(m);
    }
    return this.#wait(ONE, 1, options) as Promise<ChannelMessage>;
  }

  /** Every message ready now, at least one (see ChannelPeer.receiveMany). */
  receiveMany(max: number, options: PollOptions): Promise<ChannelMessage[]> {
    if (this.#waiters.length === 0) {
      const ms = this.#readyMany(max);
      if (ms === null) throw endError(this.#label);
      if (ms !== undefined) return Promise.resolve(ms);
    }
    return this.#wait(MANY, max, options) as Promise<ChannelMessage[]>;
  }

  /** The iterator's next(): done at the end of the stream or once closed. */
  next(): Promise<IteratorResult<ChannelMessage>> {
    if (this.#closed) return Promise.resolve(DONE);
    if (this.#waiters.length === 0) {
      const m = this.#ready();
      if (m === null) return Promise.resolve(DONE);
      if (m !== undefined) return Promise.resolve({ done: false, value: m });
    }
    return this.#wait(ITER, 1, {}) as Promise<IteratorResult<ChannelMessage>>;
  }

  /** The batch iterator's next(): every message ready (up to max, at least one); done at the end of the stream or once closed. */
  nextBatch(max: number): Promise<IteratorResult<ChannelMessage[]>> {
    if (this.#closed) return Promise.resolve(DONE);
    if (this.#waiters.length === 0) {
      const ms = this.#readyMany(max);
      if (ms !== undefined) return Promise.resolve(ms === null ? DONE : { done: false, value: ms });
    }
    return this.#wait(BATCHES, max, {}) as Promise<IteratorResult<ChannelMessage[]>>;
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
    for (const raw of this.#inbox.splice(0)) closeOwned(raw.fds);
    this.#closeSpent();
  }

  #wait(mode: Mode, max: number, options: PollOptions): Promise<unknown> {
    // Called right after #ready() found nothing (so the socket was just read) when nobody waited before.
    const justRead = this.#waiters.length === 0 && mode !== RAW;
    const p = addWaiter<unknown, ReceiveWaiter>(
      this.#waiters,
      (resolve, reject) => ({ resolve, reject, mode, max }),
      options,
      {
        what: `receive on ${this.#label}`,
        timeoutHint: 'Raise timeoutMs, or check that the other process sends',
        dropped: this.#dropped,
      },
    );
    void this.#pumpRead(justRead);
    return p;
  }

  /**
   * A message that can be had without waiting; null at the end of the
   * stream; undefined when one has to wait. Throws a decode error (that
   * message is consumed) or the channel's failure.
   */
  #ready(): ChannelMessage | null | undefined {
    // After a read that found a single message (request/reply traffic) the
    // socket is most likely empty: wait for POLLIN rather than spend a
    // recvmmsg on EAGAIN (epoll is level-triggered: nothing is missed).
    if (!this.#single) this.#fillIfEmpty();
    const m = this.#take();
    if (m !== undefined) return m;
    if (this.#failure !== undefined) throw this.#failure;
    return this.#ended ? null : undefined;
  }

  /** Every message that can be had without waiting (up to max); null at the end; undefined when one has to wait. */
  #readyMany(max: number): ChannelMessage[] | null | undefined {
    this.#fillIfEmpty();
    const ms = this.#takeMany(max);
    if (ms !== undefined) return ms;
    if (this.#failure !== undefined) throw this.#failure;
    return this.#ended ? null : undefined;
  }

  #fillIfEmpty(): void {
    if (this.#inbox.length === 0 && this.#deferred === undefined) this.#fill();
  }

  /** Read what the socket holds now into the (empty) inbox; never blocks. */
  #fill(): void {
    if (this.#ended || this.#failure !== undefined || this.#closed || this.#inbox.length) return;
    try {
      const head = this.#head;
      const r = receiveRaw(this.#held.fd, RECEIVE_BATCH, `${this.#label}: cannot receive`, head?.prefix);
      this.#single = r !== 'again' && r !== 'end' && r.length === 1;
      if (r === 'end') this.#ended = true;
      else if (r !== 'again') {
        this.#inboxHead = head;
        for (const m of r) this.#inbox.push(m);
        // Several at once: a stream is flowing; stay out of epoll while draining it (see FdWatcher.pause).
        if (r.length > 1 && !this.#watching) this.#held.watcher?.pause();
      }
    } catch (e) {
      this.#failure = e;
    }
  }

  /** The next decoded message in the inbox, undefined when it is empty; throws a decode error. */
  #take(): ChannelMessage | undefined {
    if (this.#deferred !== undefined) {
      const e = this.#deferred;
      this.#deferred = undefined;
      throw e;
    }
    for (;;) {
      const raw = this.#inbox.shift();
      if (raw === undefined) return undefined;
      const m = this.#decode(raw);
      if (m) return m;
    }
  }

  /** Up to max decoded messages from the inbox; a decode error after the first is held back for the next call. */
  #takeMany(max: number): ChannelMessage[] | undefined {
    let out: ChannelMessage[] | undefined;
    while (out === undefined || out.length < max) {
      let m: ChannelMessage | undefined;
      try {
        m = this.#take();
      } catch (e) {
        if (out === undefined) throw e;
        this.#deferred = e;
        break;
      }
      if (m === undefined) break;
      if (out === undefined) out = [m];
      else out.push(m);
    }
    return out;
  }

  /** Turn a raw message into what receive() returns (undefined: a control message to skip). Always spends its fds. */
  #decode(raw: ReceivedMessage): ChannelMessage | undefined {
    try {
      const d = decodeReceived(raw, this.#inboxHead, this.#label);
      switch (d.kind) {
        case 'message':
          return { message: d.message };
        case 'buffer':
          if (d.head) this.#head = d.head;
          return {
            buffer: this.#adoption.adopt(raw.fds[0]!, d.claim, d.layout),
            meta: d.meta,
            exporter: d.exporter,
          };
        case 'refused':
          this.#failure = refusedError(this.#label, this.#credentials, d.reason);
          throw this.#failure;
        case 'hello':
          return undefined;
      }
    } finally {
      for (const fd of raw.fds) this.#spent.push(fd);
      if (this.#inbox.length === 0) this.#closeSpent();
    }
  }

  #closeSpent(): void {
    if (this.#spent.length === 0) return;
    closeOwned(this.#spent);
    this.#spent.length = 0;
  }

  /** Hand what the inbox holds to the waiters in order; settle the rest at the end of the stream. */
  #dispatch(): void {
    const waiters = this.#waiters;
    while (waiters.length) {
      const w = waiters[0]!;
      if (w.mode === RAW) {
        const raw = this.#inbox.shift();
        if (raw === undefined) break;
        waiters.shift();
        w.resolve(raw);
        continue;
      }
      let value: unknown;
      try {
        value = w.mode === MANY || w.mode === BATCHES ? this.#takeMany(w.max) : this.#take();
      } catch (e) {
        waiters.shift();
        w.reject(e);
        continue;
      }
      if (value === undefined) break;
      waiters.shift();
      w.resolve(iterates(w.mode) ? { done: false, value } : value);
    }
    if (waiters.length && this.#inbox.length === 0 && (this.#ended || this.#failure !== undefined))
      settleAll(waiters, this.#failure, this.#label);
  }

  /** While someone waits: read, deliver, and wait for POLLIN through libuv. */
  async #pumpRead(justRead: boolean): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    const held = this.#held;
    try {
      // justRead: the caller read the socket empty a moment ago, in this same run; wait at once
      for (let skip = justRead; this.#waiters.length && !this.#closed; skip = false) {
        if (!skip) this.#fillIfEmpty();
        this.#dispatch();
        if (!this.#waiters.length) break;
        let wait: Promise<number>;
        try {
          held.watcher ??= new FdWatcher(held.fd, `${this.#label}: waiting for a message`);
          wait = held.watcher.wait('in');
        } catch (e) {
          this.#failure = e;
          this.#dispatch();
          break;
        }
        this.#watching = true;
        const bits = await wait;
        this.#watching = false;
        if (bits < 0 && bits !== -ECANCELED) {
          this.#failure = new SystemError(`${this.#label}: waiting for a message failed`, -bits, 'uv_poll');
          this.#dispatch();
          break;
        }
      }
    } finally {
      this.#reading = false;
    }
  }
}
