import { DmaBuf } from '../dma-buf.js';
import { DmaBufError, invalidArgument, SystemError } from '../errors.js';
import type { Framework } from '../framework.js';
import type { BufferLayout } from '../layout.js';
import { native } from '../native.js';
import {
  abortError,
  checkPollOptions,
  FdWatcher,
  nextPollId,
  type PollOptions,
  startPoll,
  timeoutError,
} from '../poll.js';
import { describePeer, PeerRefusedError } from './allow-list.js';
import {
  badMessage,
  bufferPrefix,
  copyLayout,
  decode,
  decodeKnown,
  encodeMessage,
  encodeMeta,
  type Head,
  PROTOCOL_VERSION,
} from './protocol.js';
import { guardSocket, type HeldSocket, unguardSocket } from './socket-guard.js';
import {
  closedError,
  EAGAIN_RESULT,
  FDS_CUT,
  MAX_MESSAGE_BYTES,
  type PeerCredentials,
  type ReceivedMessage,
  receiveRaw,
  sendError,
  sendRaw,
  TEXT_CUT,
} from './unix-socket.js';

/** A buffer that came over the channel: yours to put() (or `using`). */
export interface BufferMessage {
  buffer: DmaBuf;
  /** What the sender passed as meta (undefined when none). */
  meta: unknown;
  /** The sender's exporter plugin name. */
  exporter: string;
}

/** A plain JSON message (peer.sendMessage). */
export interface PlainMessage {
  message: unknown;
}

export type ChannelMessage = BufferMessage | PlainMessage;

export type ReceiveOptions = PollOptions;

interface Waiter {
  resolve(raw: ReceivedMessage | null): void;
  reject(error: unknown): void;
}

interface PendingSend {
  text: string;
  /** fds we own (duplicates): closed once sent or dropped. */
  fds: number[];
  resolve(): void;
  reject(error: unknown): void;
}

/** Messages read per recvmsg batch. */
const BATCH = 32;
const ECANCELED = 125;
const RESOLVED: Promise<void> = Promise.resolve();

function closeAll(fds: readonly number[]): void {
  for (const fd of fds) native().close(fd);
}

/**
 * One end of a connected channel (from BufferChannel.connect, a server's
 * accept, or BufferChannel.pair). Sends buffers (their fd travels as
 * SCM_RIGHTS, with the layout and your meta) and JSON messages; receives
 * them with receive() or `for await (const m of peer)`.
 *
 * No fd leaks: received fds are closed once turned into DmaBufs (the
 * framework keeps its own duplicate) and whenever a message is malformed;
 * close() closes every fd received but not yet delivered.
 */
export class ChannelPeer implements AsyncIterable<ChannelMessage>, Disposable, AsyncDisposable {
  /** Who is on the other end (SO_PEERCRED). */
  readonly credentials: PeerCredentials;
  readonly framework: Framework;
  /** 'channel peer pid 123 (uid 1000, gid 1000)': how messages name this peer. */
  readonly label: string;
  #fd: number;
  readonly #inbox: ReceivedMessage[] = [];
  /**
   * fds of messages already decoded (the framework holds its own duplicate,
   * or already had the buffer): closed together once the inbox is empty, in
   * one close_range for the whole batch instead of one close() per message.
   */
  readonly #spent: number[] = [];
  #waiters: Waiter[] = [];
  #outbox: PendingSend[] = [];
  #ended = false;
  #failure: unknown;
  #reading = false;
  #writing = false;
  /** The socket's read watcher (opened at the first wait), and whether a wait is pending on it. */
  #watching = false;
  /** The socket, its watcher and the inbox, as the safety net sees them. */
  readonly #held: HeldSocket;
  #writePoll = 0;
  /** Buffers delivered by this peer, by the identity claim fstat confirmed (see #adopt). */
  readonly #claimed = new Map<string, WeakRef<DmaBuf>>();
  /** The last read found exactly one message (see #ready). */
  #single = false;
  /** The head of the last buffer message with meta: the native receive matches it and skips its text. */
  #head: Head | undefined;

  /** @internal use BufferChannel.connect / listen / pair */
  constructor(fd: number, framework: Framework, credentials: PeerCredentials) {
    this.#fd = fd;
    this.framework = framework;
    this.credentials = credentials;
    this.label = `channel peer ${describePeer(credentials)}`;
    this.#held = { fd, watcher: undefined, inbox: this.#inbox, spent: this.#spent, label: this.label };
    guardSocket(this, this.#held);
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  /** The other side hung up and every message it sent has been read. */
  get ended(): boolean {
    return this.#ended && this.#inbox.length === 0;
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
      if (!(buf instanceof DmaBuf)) throw invalidArgument('buf', 'a DmaBuf', buf);
      const prefix = bufferPrefix(buf);
      const json = encodeMeta(prefix, meta);
      // The buffer's own fd is enough for a sendmsg that completes now; a
      // queued send holds a duplicate until it goes out. Prefix and meta go
      // to the native call as two strings: no joined string per message.
      if (this.#outbox.length === 0 && this.#sendNow(prefix, buf.borrowFd(), json, buf)) return RESOLVED;
      return this.#queue(json === undefined ? prefix : `${prefix}\n${json}`, [buf.fd()]);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Send a plain JSON message (no fd). */
  sendMessage(message: unknown): Promise<void> {
    try {
      this.#assertOpen();
      const text = encodeMessage(message);
      if (this.#outbox.length === 0 && this.#sendNow(text, [], undefined, undefined)) return RESOLVED;
      return this.#queue(text, []);
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
  receive(options: ReceiveOptions = {}): Promise<ChannelMessage> {
    try {
      checkPollOptions(options);
      const m = this.#ready();
      if (m === null) throw this.#endError();
      if (m !== undefined) return Promise.resolve(m);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#receiveLater(options);
  }

  /** Iterate messages until the other side hangs up (or this side closes). */
  [Symbol.asyncIterator](): AsyncIterator<ChannelMessage> {
    const later = async (): Promise<IteratorResult<ChannelMessage>> => {
      try {
        return { done: false, value: await this.#receiveLater({}) };
      } catch (e) {
        if (this.closed || (e instanceof DmaBufError && e.code === 'ECONNRESET' && this.ended))
          return { done: true, value: undefined };
        throw e;
      }
    };
    return {
      next: (): Promise<IteratorResult<ChannelMessage>> => {
        if (this.closed) return Promise.resolve({ done: true, value: undefined });
        try {
          const m = this.#ready();
          if (m === null) return Promise.resolve({ done: true, value: undefined });
          if (m !== undefined) return Promise.resolve({ done: false, value: m });
        } catch (e) {
          return Promise.reject(e);
        }
        return later();
      },
      return: async (): Promise<IteratorResult<ChannelMessage>> => ({ done: true, value: undefined }),
    };
  }

  /**
   * A message that can be had without waiting; null at the end of the
   * stream; undefined when one has to wait (or others wait already).
   */
  #ready(): ChannelMessage | null | undefined {
    this.#assertOpen();
    while (this.#waiters.length === 0) {
      // After a read that found a single message (request/reply traffic) the
      // socket is most likely empty: wait for POLLIN rather than spend a
      // recvmmsg on EAGAIN (epoll is level-triggered: nothing is missed).
      if (this.#inbox.length === 0 && !this.#single) this.#fill();
      const raw = this.#inbox.shift();
      if (raw === undefined) {
        if (this.#failure !== undefined) throw this.#failure;
        return this.#ended ? null : undefined;
      }
      const m = this.#decode(raw);
      if (m) return m;
    }
    return undefined;
  }

  /** The slow path, right after #ready() found nothing (so the socket was just read). */
  async #receiveLater(options: ReceiveOptions): Promise<ChannelMessage> {
    for (let first = true; ; first = false) {
      const raw = await this.#next(options, first);
      if (raw === null) throw this.#endError();
      const m = this.#decode(raw);
      if (m) return m;
    }
  }

  /**
   * Close this end: pending receives reject (ECANCELED), pending sends are
   * dropped, fds received but not delivered are closed. Idempotent.
   */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    unguardSocket(this);
    this.#held.watcher?.close();
    if (this.#writePoll) native().pollCancel(this.#writePoll);
    const err = closedError(this.label);
    for (const w of this.#waiters.splice(0)) w.reject(err);
    for (const raw of this.#inbox.splice(0)) closeAll(raw.fds);
    this.#closeSpent();
    for (const s of this.#outbox.splice(0)) {
      closeAll(s.fds);
      s.reject(err);
    }
    native().close(fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** @internal the client side of the handshake: wait for the server's hello (or refusal). */
  async handshake(options: PollOptions, server: string): Promise<void> {
    const raw = await this.#next(options);
    if (raw === null) {
      throw new DmaBufError(`${server} closed the connection before accepting it`, {
        code: 'ECONNRESET',
        hint: 'The server may be shutting down or out of resources; retry',
      });
    }
    closeAll(raw.fds);
    const d = decode(raw.text, this.label);
    if (d.kind === 'refused') throw this.#refused(d.reason);
    if (d.kind !== 'hello')
      throw badMessage(this.label, `expected the server's hello, got a ${d.kind} message`);
    if (d.version !== PROTOCOL_VERSION) {
      throw new DmaBufError(
        `${server} speaks channel protocol ${d.version}, this process ${PROTOCOL_VERSION}`,
        {
          code: 'EPROTO',
          hint: 'Use the same @dmabuf/core version on both sides',
        },
      );
    }
  }

  #assertOpen(): void {
    if (this.#fd < 0) throw closedError(this.label);
  }

  #endError(): DmaBufError {
    return new DmaBufError(`${this.label} closed the channel`, {
      code: 'ECONNRESET',
      hint: 'The other process closed its end or exited; buffers received before stay valid',
    });
  }

  #refused(reason: string): PeerRefusedError {
    return new PeerRefusedError(
      `${this.label} refused this process: ${reason}`,
      this.credentials,
      "Add this process's uid/gid/pid to the server's allow-list",
    );
  }

  // ---- receiving ----

  /** The next raw message, null at the end of the stream. */
  #next(options: PollOptions, justFilled = false): ReceivedMessage | null | Promise<ReceivedMessage | null> {
    this.#assertOpen();
    if (this.#waiters.length === 0) {
      if (this.#inbox.length === 0 && !justFilled) this.#fill();
      if (this.#inbox.length) return this.#inbox.shift()!;
      if (this.#failure) throw this.#failure;
      if (this.#ended) return null;
    }
    const { signal, timeoutMs } = options;
    if (signal?.aborted) throw abortError(`receive on ${this.label}`, signal);
    if (!signal && timeoutMs === undefined) {
      return new Promise<ReceivedMessage | null>((resolve, reject) => {
        this.#waiters.push({ resolve, reject });
        void this.#pumpRead(justFilled);
      });
    }
    return new Promise<ReceivedMessage | null>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const w: Waiter = {
        resolve: (raw) => {
          done();
          resolve(raw);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
      const drop = (e: DmaBufError) => {
        const i = this.#waiters.indexOf(w);
        if (i < 0) return;
        this.#waiters.splice(i, 1);
        w.reject(e);
        if (this.#waiters.length === 0 && this.#watching) this.#held.watcher?.cancel();
      };
      const onAbort = () => drop(abortError(`receive on ${this.label}`, signal!));
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined)
        timer = setTimeout(
          () =>
            drop(
              timeoutError(
                `receive on ${this.label}`,
                timeoutMs,
                'Raise timeoutMs, or check that the other process sends',
              ),
            ),
          timeoutMs,
        );
      this.#waiters.push(w);
      void this.#pumpRead(justFilled);
    });
  }

  /** Read what the socket holds now into the inbox (never blocks). */
  #fill(): void {
    if (this.#ended || this.#failure !== undefined || this.#fd < 0) return;
    try {
      const r = receiveRaw(this.#fd, BATCH, `${this.label}: cannot receive`, this.#head);
      this.#single = r !== 'again' && r !== 'end' && r.length === 1;
      if (r === 'end') this.#ended = true;
      else if (r !== 'again') {
        for (const m of r) this.#inbox.push(m);
        // Several at once: a stream is flowing; stay out of epoll while draining it (see FdWatcher.pause).
        if (r.length > 1 && !this.#watching) this.#held.watcher?.pause();
      }
    } catch (e) {
      this.#failure = e;
    }
  }

  /** Hand inbox messages to waiters in order; settle the rest at the end of the stream. */
  #dispatch(): void {
    while (this.#waiters.length && this.#inbox.length) this.#waiters.shift()!.resolve(this.#inbox.shift()!);
    if (this.#waiters.length && (this.#ended || this.#failure !== undefined)) {
      for (const w of this.#waiters.splice(0)) {
        if (this.#failure !== undefined) w.reject(this.#failure);
        else w.resolve(null);
      }
    }
  }

  /** While someone waits: read, deliver, and wait for POLLIN through libuv. */
  async #pumpRead(justFilled = false): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    try {
      // justFilled: the caller read the socket empty a moment ago, in this same run; wait at once
      for (let skip = justFilled; this.#waiters.length && this.#fd >= 0; skip = false) {
        if (!skip) this.#fill();
        this.#dispatch();
        if (!this.#waiters.length) break;
        let wait: Promise<number>;
        try {
          this.#held.watcher ??= new FdWatcher(this.#fd, `${this.label}: waiting for a message`);
          wait = this.#held.watcher.wait('in');
        } catch (e) {
          this.#failure = e;
          this.#dispatch();
          break;
        }
        this.#watching = true;
        const bits = await wait;
        this.#watching = false;
        if (bits < 0 && bits !== -ECANCELED) {
          this.#failure = new SystemError(`${this.label}: waiting for a message failed`, -bits, 'uv_poll');
          this.#dispatch();
          break;
        }
      }
    } finally {
      this.#reading = false;
    }
  }

  /** Turn a raw message into what receive() returns (undefined: a control message to skip). Always closes its fds. */
  #decode(raw: ReceivedMessage): ChannelMessage | undefined {
    const what = this.label;
    try {
      if (raw.flags & FDS_CUT)
        throw badMessage(what, 'it came with more than 16 fds (those that arrived were closed)');
      if (raw.flags & TEXT_CUT) throw badMessage(what, `it is longer than ${MAX_MESSAGE_BYTES} bytes`);
      const d = raw.head ? decodeKnown(raw.head, raw.text, what) : decode(raw.text, what);
      switch (d.kind) {
        case 'message':
          if (raw.fds.length) throw badMessage(what, `a plain message came with ${raw.fds.length} fd(s)`);
          return { message: d.message };
        case 'buffer': {
          if (raw.fds.length !== 1)
            throw badMessage(what, `a buffer message came with ${raw.fds.length} fds instead of 1`);
          if (d.head) this.#head = d.head;
          return { buffer: this.#adopt(raw.fds[0]!, d.claim, d.layout), meta: d.meta, exporter: d.exporter };
        }
        case 'refused':
          this.#failure = this.#refused(d.reason);
          throw this.#failure;
        case 'hello':
          return undefined;
      }
    } finally {
      for (const fd of raw.fds) this.#spent.push(fd);
      if (this.#inbox.length === 0) this.#closeSpent();
    }
  }

  /** Close the fds of the decoded messages (see #spent). */
  #closeSpent(): void {
    if (this.#spent.length === 0) return;
    native().closeFds(this.#spent);
    this.#spent.length = 0;
  }

  /**
   * The DmaBuf for a received buffer fd. A buffer this peer delivered before
   * and that is still alive, named by the same identity claim, gets one more
   * reference without a syscall (see protocol.ts: a false claim only names
   * the peer's own earlier buffer). Anything else: fstat (the layout must fit
   * the buffer: a larger one would make a CPU mapping fault past its end),
   * then framework.get; the claim is remembered once fstat confirmed it.
   */
  #adopt(fd: number, claim: string, layout: BufferLayout): DmaBuf {
    const known = this.#claimed.get(claim)?.deref();
    if (known !== undefined && !known.released) return known.get();
    const st = native().fstat(fd);
    const size = typeof st === 'number' ? 0 : st.size;
    if (layout.size > size)
      throw badMessage(this.label, `the layout says ${layout.size} bytes but the buffer has ${size}`);
    const buf = this.framework.get(fd, copyLayout(layout));
    if (buf.identity === claim) {
      if (this.#claimed.size >= 1024) {
        for (const [k, ref] of this.#claimed) if (ref.deref()?.released !== false) this.#claimed.delete(k);
      }
      this.#claimed.set(claim, new WeakRef(buf));
    }
    return buf;
  }

  // ---- sending ----

  /**
   * sendmsg now (text, then '\n' + tail if any); false when the socket is
   * full. Runs once per message: the error text (naming buf, or a plain
   * message) is built only on error.
   */
  #sendNow(
    text: string,
    fds: number | readonly number[],
    tail: string | undefined,
    buf: DmaBuf | undefined,
  ): boolean {
    const n = native().sendMessage(this.#fd, text, fds, tail);
    if (n >= 0) return true;
    if (n === EAGAIN_RESULT) return false;
    throw sendError(`${this.label}: cannot send ${buf ? buf.label : 'a message'}`, n);
  }

  #queue(text: string, fds: number[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#outbox.push({ text, fds, resolve, reject });
      void this.#pumpWrite();
    });
  }

  /** Send queued messages in order, waiting for POLLOUT when the socket is full. */
  async #pumpWrite(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    try {
      while (this.#outbox.length && this.#fd >= 0) {
        const item = this.#outbox[0]!;
        let sent: boolean;
        try {
          sent = sendRaw(this.#fd, item.text, item.fds, `${this.label}: cannot send`);
        } catch (e) {
          this.#outbox.shift();
          closeAll(item.fds);
          item.reject(e);
          continue;
        }
        if (sent) {
          this.#outbox.shift();
          closeAll(item.fds);
          item.resolve();
          continue;
        }
        const id = nextPollId();
        let wait: Promise<number>;
        try {
          wait = startPoll(this.#fd, 'out', -1, id, `${this.label}: waiting to send`);
        } catch (e) {
          for (const s of this.#outbox.splice(0)) {
            closeAll(s.fds);
            s.reject(e);
          }
          break;
        }
        this.#writePoll = id;
        await wait;
        this.#writePoll = 0;
      }
    } finally {
      this.#writing = false;
    }
  }
}
