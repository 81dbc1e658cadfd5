import type { DmaBuf } from '../dma-buf.js';
import { invalidArgument } from '../errors.js';
import type { Framework } from '../framework.js';
import { checkPollOptions, type PollOptions } from '../poll.js';
import { Adoption } from './adoption.js';
import { describePeer } from './allow-list.js';
import { ChannelInbox, type ChannelMessage } from './channel-inbox.js';
import { ChannelReceiver } from './channel-receiver.js';
import { ChannelSender, type Outgoing } from './channel-sender.js';
import { awaitHello } from './handshake.js';
import { ReceivedBatch } from './received-batch.js';
import { guardSocket, type HeldSocket, releaseSocket } from './socket-guard.js';
import { closedError, type PeerCredentials, RECEIVE_BATCH } from './unix-socket.js';

export type { BufferMessage, ChannelMessage, PlainMessage } from './channel-inbox.js';
export type { Outgoing } from './channel-sender.js';

/** Options of `peer.receive()`: a timeout and an abort signal. */
export type ReceiveOptions = PollOptions;

/** Options of `peer.receiveMany()`: `receive()`'s, and how many messages at most. */
export interface ReceiveManyOptions extends PollOptions {
  /** At most this many messages per call (1 to 1024). Default 32: what one read of the socket gives. */
  max?: number;
}

/** receive()'s options when none are given (one object, not one per call). */
const NO_OPTIONS: ReceiveOptions = Object.freeze({});

/** options.max of receiveMany() / batches(): 1 to 1024, default RECEIVE_BATCH (EINVAL otherwise). */
function checkBatchMax(options: { max?: number }): number {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  const max = options.max ?? RECEIVE_BATCH;
  if (!Number.isSafeInteger(max) || max < 1 || max > 1024)
    throw invalidArgument('options.max', 'an integer between 1 and 1024', max);
  return max;
}

/**
 * One end of a connected channel (from BufferChannel.connect, a server's
 * accept, or BufferChannel.pair). Sends buffers (their fd travels as
 * SCM_RIGHTS, with the layout and your meta) and JSON messages, one at a
 * time or several per system call (sendMany); receives them with receive(),
 * receiveMany(), `for await (const m of peer)` or, a batch per step,
 * `for await (const batch of peer.batches())`.
 *
 * No fd leaks: received fds are closed once turned into DmaBufs (the
 * framework keeps its own duplicate) and whenever a message is malformed;
 * close() closes every fd received but not yet delivered.
 */
export class ChannelPeer implements AsyncIterable<ChannelMessage>, Disposable, AsyncDisposable {
  /** Who is on the other end (SO_PEERCRED). */
  readonly credentials: PeerCredentials;
  /** The framework received buffers are adopted into (the one given to connect/listen/pair). */
  readonly framework: Framework;
  /** 'channel peer pid 123 (uid 1000, gid 1000)': how messages name this peer. */
  readonly label: string;
  #fd: number;
  /** The socket, its watcher and the inbox, as the safety net sees them. */
  readonly #held: HeldSocket;
  readonly #sender: ChannelSender;
  readonly #receiver: ChannelReceiver;

  /** @internal use BufferChannel.connect / listen / pair */
  constructor(fd: number, framework: Framework, credentials: PeerCredentials) {
    this.#fd = fd;
    this.framework = framework;
    this.credentials = credentials;
    this.label = `channel peer ${describePeer(credentials)}`;
    const batch = new ReceivedBatch();
    this.#held = { fd, watcher: undefined, batch, label: this.label };
    this.#sender = new ChannelSender(this, fd, this.label);
    const inbox = new ChannelInbox(fd, batch, new Adoption(framework, this.label), this.label, credentials);
    this.#receiver = new ChannelReceiver(this, this.#held, inbox, this.label);
    guardSocket(this, this.#held);
  }

  /** True once close() has run (directly or through `using`); a closed peer refuses to send and its iteration ends. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /** The other side hung up and every message it sent has been read. */
  get ended(): boolean {
    return this.#receiver.ended;
  }

  /**
   * Send a buffer: one message with its layout, exporter names and `meta`
   * (any JSON-able value), and its fd as SCM_RIGHTS. Resolves once the
   * kernel holds the message (the receiver has a reference to the buffer
   * from then on, even if this process releases it).
   */
  send(buf: DmaBuf, meta?: unknown): Promise<void> {
    try {
      this.#assertOpen();
      return this.#sender.send(buf, meta);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Send a plain JSON message (no fd). */
  sendMessage(message: unknown): Promise<void> {
    try {
      this.#assertOpen();
      return this.#sender.sendMessage(message);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Send several buffers and messages in order — `{ buffer, meta? }` or
   * `{ message }` each — in one sendmmsg system call per 64 (fewer calls
   * than send() each, and one promise). Every item is checked before any is
   * sent: a bad one rejects the call with nothing sent. Resolves once the
   * kernel holds them all; if the socket fails midway, rejects with the
   * error, the items before the failing one having gone, none after it.
   */
  sendMany(items: readonly Outgoing[]): Promise<void> {
    try {
      this.#assertOpen();
      return this.#sender.sendMany(items);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * The next message: `{ buffer, meta, exporter }` (a DmaBuf you own: put()
   * it) or `{ message }`. Rejects with ECONNRESET once the other side has
   * hung up and everything was read, EBADMSG for a malformed message (its
   * fds closed; the channel stays usable), ETIMEDOUT / ABORT_ERR per options.
   */
  receive(options: ReceiveOptions = NO_OPTIONS): Promise<ChannelMessage> {
    try {
      checkPollOptions(options);
      this.#assertOpen();
      return this.#receiver.receive(options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Every message that has arrived, in order (at least one: waits for the
   * first like receive()), up to options.max: one promise for a whole batch
   * of a stream. A malformed message after the first is held back and
   * rejects the next call (EBADMSG); errors otherwise as receive().
   */
  receiveMany(options: ReceiveManyOptions = {}): Promise<ChannelMessage[]> {
    try {
      checkPollOptions(options);
      const max = checkBatchMax(options);
      this.#assertOpen();
      return this.#receiver.receiveMany(max, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Iterate in batches: each step gives every message that has arrived (at
   * least one, up to options.max, default 32), in order, with one promise
   * per batch instead of one per message; ends when the other side hangs up
   * and everything was read, or when this side closes.
   *   for await (const batch of peer.batches()) for (const m of batch) …
   * A malformed message ends the batch before it and makes the next step
   * throw EBADMSG (its fds closed); iterate again to go on. The options are
   * checked here (EINVAL), not at the first step.
   */
  batches(options: { max?: number } = {}): AsyncIterable<ChannelMessage[]> {
    const max = checkBatchMax(options);
    const receiver = this.#receiver;
    const iterator: AsyncIterator<ChannelMessage[]> = {
      next: (): Promise<IteratorResult<ChannelMessage[]>> => {
        try {
          return receiver.nextBatch(max);
        } catch (e) {
          return Promise.reject(e);
        }
      },
      return: async (): Promise<IteratorResult<ChannelMessage[]>> => ({ done: true, value: undefined }),
    };
    return { [Symbol.asyncIterator]: () => iterator };
  }

  /** Iterate messages until the other side hangs up (or this side closes). */
  [Symbol.asyncIterator](): AsyncIterator<ChannelMessage> {
    return {
      next: (): Promise<IteratorResult<ChannelMessage>> => {
        try {
          return this.#receiver.next();
        } catch (e) {
          return Promise.reject(e);
        }
      },
      return: async (): Promise<IteratorResult<ChannelMessage>> => ({ done: true, value: undefined }),
    };
  }

  /**
   * Close this end: pending receives reject (ECANCELED), pending sends are
   * dropped, fds received but not delivered are closed. Idempotent.
   */
  close(): void {
    if (this.#fd < 0) return;
    this.#fd = -1;
    const err = closedError(this.label);
    this.#receiver.close(err);
    this.#sender.close(err);
    releaseSocket(this, this.#held);
  }

  /** `using`: close() when the scope ends. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `await using`: close() when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** @internal the client side of the handshake: wait for the server's hello (or refusal). */
  handshake(options: PollOptions, server: string): Promise<void> {
    return awaitHello(this.#receiver, options, server, this.label, this.credentials);
  }

  #assertOpen(): void {
    if (this.#fd < 0) throw closedError(this.label);
  }
}
