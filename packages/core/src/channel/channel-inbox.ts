import type { DmaBuf } from '../dma-buf.js';
import type { Adoption } from './adoption.js';
import { refusedError } from './allow-list.js';
import { decodeReceived, type Head } from './protocol.js';
import type { ReceivedBatch } from './received-batch.js';
import { type PeerCredentials, RECEIVE_BATCH, type ReceivedMessage } from './unix-socket.js';

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
 * What a channel peer has read off its socket and not delivered yet. It
 * reads what the socket holds (one recvmmsg per batch, never blocking, into
 * a ReceivedBatch), decodes messages in order straight from it (protocol.ts),
 * adopts buffers (adoption.ts); the batch closes all its fds together once
 * its last message is taken: one close_range per batch. The end of the
 * stream and a failure come after whatever was read before them.
 */
export class ChannelInbox {
  readonly #fd: number;
  readonly #label: string;
  /** How a failed read is named (made once, not per read). */
  readonly #what: string;
  readonly #credentials: PeerCredentials;
  readonly #adoption: Adoption;
  /** The last read, taken message by message (the framework holds its own duplicate of a buffer's fd, or had the buffer). */
  readonly #batch: ReceivedBatch;
  /** The head whose prefix the messages now in the inbox were read with. */
  #rawHead: Head | undefined;
  /** The head of the last buffer message with a cacheable head: the next read asks the socket to strip it. */
  #head: Head | undefined;
  #ended = false;
  #failure: unknown;
  /** A decode error held back by a takeMany: the next take's first. */
  #deferred: unknown;
  /** The last read found exactly one message (request/reply traffic, see ready()). */
  #single = false;
  #closed = false;

  /** batch: what the socket's safety net closes (socket-guard.ts). */
  constructor(
    fd: number,
    batch: ReceivedBatch,
    adoption: Adoption,
    label: string,
    credentials: PeerCredentials,
  ) {
    this.#fd = fd;
    this.#batch = batch;
    this.#adoption = adoption;
    this.#label = label;
    this.#what = `${label}: cannot receive`;
    this.#credentials = credentials;
  }

  /** The other side hung up and every message it sent has been taken. */
  get drained(): boolean {
    return this.#ended && !this.#batch.pending;
  }

  /** Nothing read is left to hand out (the next message must come off the socket). */
  get empty(): boolean {
    return !this.#batch.pending && this.#deferred === undefined;
  }

  /** Nothing more will come: empty, and the stream ended or failed. */
  get finished(): boolean {
    return !this.#batch.pending && (this.#ended || this.#failure !== undefined);
  }

  /** Why reading failed (undefined: it did not). */
  get failure(): unknown {
    return this.#failure;
  }

  /** Reading failed with `error` (after what was read before). */
  fail(error: unknown): void {
    this.#failure = error;
  }

  /**
   * A message that can be had without waiting; null at the end of the
   * stream; undefined when one has to wait. Throws a decode error (that
   * message is consumed) or the failure.
   */
  ready(): ChannelMessage | null | undefined {
    // After a read that found a single message (request/reply traffic) the
    // socket is most likely empty: wait for POLLIN rather than spend a
    // recvmmsg on EAGAIN (epoll is level-triggered: nothing is missed).
    if (!this.#single) this.fillIfEmpty();
    const m = this.take();
    if (m !== undefined) return m;
    if (this.#failure !== undefined) throw this.#failure;
    return this.#ended ? null : undefined;
  }

  /** Every message that can be had without waiting (up to max); null at the end; undefined when one has to wait. */
  readyMany(max: number): ChannelMessage[] | null | undefined {
    this.fillIfEmpty();
    const ms = this.takeMany(max);
    if (ms !== undefined) return ms;
    if (this.#failure !== undefined) throw this.#failure;
    return this.#ended ? null : undefined;
  }

  /** Read what the socket holds now if nothing is left to take; never blocks. How many messages were read. */
  fillIfEmpty(): number {
    if (this.#batch.pending || this.#deferred !== undefined) return 0;
    if (this.#ended || this.#failure !== undefined || this.#closed) return 0;
    try {
      const head = this.#head;
      const r = this.#batch.read(this.#fd, RECEIVE_BATCH, this.#what, head?.prefix);
      this.#single = r === 1;
      if (r === 'end') this.#ended = true;
      else if (r !== 'again') {
        this.#rawHead = head;
        return r;
      }
    } catch (e) {
      this.#failure = e;
    }
    return 0;
  }

  /** The next message as it came off the socket (the handshake; its fds are the caller's). */
  takeRaw(): ReceivedMessage | undefined {
    return this.#batch.pending ? this.#batch.takeRaw() : undefined;
  }

  /** The next decoded message, undefined when none is read; throws a decode error. */
  take(): ChannelMessage | undefined {
    if (this.#deferred !== undefined) {
      const e = this.#deferred;
      this.#deferred = undefined;
      throw e;
    }
    while (this.#batch.pending) {
      const m = this.#decodeNext();
      if (m) return m;
    }
    return undefined;
  }

  /** Up to max decoded messages; a decode error after the first is held back for the next call. */
  takeMany(max: number): ChannelMessage[] | undefined {
    let out: ChannelMessage[] | undefined;
    while (out === undefined || out.length < max) {
      let m: ChannelMessage | undefined;
      try {
        m = this.take();
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

  /** Close every fd read but not delivered; nothing is read any more. */
  close(): void {
    this.#closed = true;
    this.#batch.close();
  }

  /** Turn the batch's next message into what receive() returns (undefined: a control message to skip). Always spends its fds. */
  #decodeNext(): ChannelMessage | undefined {
    const batch = this.#batch;
    try {
      const flags = batch.flags();
      const fds = batch.fdCount();
      const fd = batch.firstFd();
      const d = decodeReceived(batch.text(), flags, fds, this.#rawHead, this.#label);
      switch (d.kind) {
        case 'message':
          return { message: d.message };
        case 'buffer':
          if (d.head) this.#head = d.head;
          return {
            buffer: this.#adoption.adopt(fd, d.claim, d.layout),
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
      if (!batch.pending) batch.finish();
    }
  }
}
