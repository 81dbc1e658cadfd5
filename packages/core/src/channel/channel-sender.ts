import { DmaBuf } from '../dma-buf.js';
import { invalidArgument } from '../errors.js';
import { cancelPoll, nextPollId, startPoll } from '../poll.js';
import { bufferText, encodeMessage, encodeMeta } from './protocol.js';
import { closeOwned, type OutgoingList, SEND_BATCH, sendBatch, sendOne } from './unix-socket.js';

/** One item of peer.sendMany(): a buffer (with optional meta) or a plain JSON message. */
export type Outgoing =
  | {
      /** The buffer to send (its fd goes over the socket; the buffer stays yours). */
      buffer: DmaBuf;
      /** JSON-serialisable data that arrives with it as BufferMessage.meta; omitted: undefined. */
      meta?: unknown;
    }
  | {
      /** A JSON-serialisable value that arrives as PlainMessage.message. */
      message: unknown;
    };

/** The messages of one send()/sendMany() call still queued: settled once the last has gone. */
interface Group {
  /** Sequence number just past its last message. */
  end: number;
  resolve(): void;
  reject(error: unknown): void;
}

const NO_FDS: readonly number[] = Object.freeze([]);
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * The sending half of a channel peer. Messages go out straight from the
 * caller when nothing is queued (a buffer's own fd is enough for a send
 * that completes now): one send() or sendMessage() in one sendmsg, a
 * sendMany() through #transmit (one sendmmsg for up to SEND_BATCH
 * messages); else through the queue, whose messages hold duplicates of
 * their fds until they go (the queue is drained in order by #transmit,
 * waiting for POLLOUT when the socket is full).
 */
export class ChannelSender {
  readonly #label: string;
  /** The peer: a pending write (which holds this sender) keeps it alive, so its safety net never closes the socket under a waiting caller. */
  readonly owner: object;
  #fd: number;
  /** Queued messages as flat triples [text, tail, fds, ...] (fds: duplicates we own), from index #start. */
  readonly #queue: OutgoingList = [];
  /** The DmaBuf of each queued message (undefined: a plain message), to name it in an error. */
  readonly #subjects: Array<DmaBuf | undefined> = [];
  #start = 0;
  readonly #groups: Group[] = [];
  /** Messages sent or dropped from the queue, and queued, since the start (sequence numbers). */
  #done = 0;
  #queued = 0;
  #writing = false;
  #writePoll = 0;
  readonly #name = (i: number) => this.#describe(this.#subjects[i]);
  /** The buffer of the direct single send under way (undefined: a plain message), for #nameOne. */
  #oneSubject: DmaBuf | undefined;
  readonly #nameOne = () => this.#describe(this.#oneSubject);

  constructor(owner: object, fd: number, label: string) {
    this.owner = owner;
    this.#fd = fd;
    this.#label = label;
  }

  /** One buffer (see ChannelPeer.send). Throws on bad arguments or a failed send. */
  send(buf: DmaBuf, meta: unknown): Promise<void> {
    if (!(buf instanceof DmaBuf)) throw invalidArgument('buf', 'a DmaBuf', buf);
    const text = bufferText(buf);
    const json = encodeMeta(text.bare, meta);
    return this.#sendOne(json === undefined ? text.bare : text.withMeta, json, buf);
  }

  /** One plain JSON message. */
  sendMessage(message: unknown): Promise<void> {
    return this.#sendOne(encodeMessage(message), undefined, undefined);
  }

  /** Several messages in order, in as few sendmmsg calls as the socket allows (see ChannelPeer.sendMany). */
  sendMany(items: readonly Outgoing[]): Promise<void> {
    if (!Array.isArray(items))
      throw invalidArgument('items', 'an array of { buffer, meta? } or { message }', items);
    // Encode every item first: a bad one refuses the whole call before anything is sent.
    const n = items.length;
    // Sized at once and filled by index: a push per item called V8's push builtin
    // (~200 instructions a message)
    const list: OutgoingList = new Array(n * 3);
    const subjects: Array<DmaBuf | undefined> = new Array(n);
    for (let i = 0; i < n; i++) {
      const item = items[i] as Partial<{ buffer: unknown; meta: unknown; message: unknown }> | null;
      if (typeof item === 'object' && item !== null && 'buffer' in item) {
        const buf = item.buffer;
        if (!(buf instanceof DmaBuf)) throw invalidArgument(`items[${i}].buffer`, 'a DmaBuf', buf);
        const text = bufferText(buf);
        const json = encodeMeta(text.bare, item.meta);
        list[i * 3] = json === undefined ? text.bare : text.withMeta;
        list[i * 3 + 1] = json;
        list[i * 3 + 2] = buf.borrowFd();
        subjects[i] = buf;
      } else if (typeof item === 'object' && item !== null && 'message' in item) {
        list[i * 3] = encodeMessage(item.message);
        list[i * 3 + 1] = undefined;
        list[i * 3 + 2] = NO_FDS;
        subjects[i] = undefined;
      } else {
        throw invalidArgument(`items[${i}]`, '{ buffer: DmaBuf, meta? } or { message }', item);
      }
    }
    let sent = 0;
    if (this.#idle()) {
      while (sent < n) {
        const k = this.#transmit(list, sent, Math.min(n - sent, SEND_BATCH), (i) =>
          this.#describe(subjects[i]),
        );
        if (k === 0) break;
        sent += k;
      }
      if (sent === n) return RESOLVED;
    }
    const before = this.#queued;
    try {
      for (let i = sent; i < n; i++) {
        const buf = subjects[i];
        this.#push(
          list[i * 3] as string,
          list[i * 3 + 1] as string | undefined,
          buf ? buf.fd() : NO_FDS,
          buf,
        );
      }
    } catch (e) {
      this.#unpush(this.#queued - before); // out of fds: nothing of this call stays queued
      throw e;
    }
    return this.#group();
  }

  /** Drop everything queued: its fds closed, its promises rejected with `error`. */
  close(error: unknown): void {
    if (this.#fd < 0) return;
    this.#fd = -1;
    if (this.#writePoll) cancelPoll(this.#writePoll);
    this.#drop(this.#queued, error);
  }

  #idle(): boolean {
    return this.#queued === this.#done;
  }

  #describe(buf: DmaBuf | undefined): string {
    return `${this.#label}: cannot send ${buf ? buf.label : 'a message'}`;
  }

  #sendOne(text: string, tail: string | undefined, buf: DmaBuf | undefined): Promise<void> {
    if (this.#idle()) {
      // one sendmsg, no list to build or read back (sendmmsg of one costs the native side three element reads)
      this.#oneSubject = buf;
      let sent: boolean;
      try {
        sent = sendOne(this.#fd, text, tail, buf ? buf.borrowFd() : NO_FDS, this.#nameOne);
      } finally {
        this.#oneSubject = undefined;
      }
      if (sent) return RESOLVED;
    }
    this.#push(text, tail, buf ? buf.fd() : NO_FDS, buf);
    return this.#group();
  }

  /** The batched send path: up to `count` messages of `list` from `from`; how many went (0: socket full). */
  #transmit(list: OutgoingList, from: number, count: number, what: (i: number) => string): number {
    return sendBatch(this.#fd, list, from, count, what);
  }

  #push(
    text: string,
    tail: string | undefined,
    fds: number | readonly number[],
    buf: DmaBuf | undefined,
  ): void {
    this.#queue.push(text, tail, fds);
    this.#subjects.push(buf);
    this.#queued++;
  }

  /** Take the last k messages off the queue again (their fds closed). */
  #unpush(k: number): void {
    const owned: number[] = [];
    for (let i = 0; i < k; i++) {
      this.#subjects.pop();
      const fds = this.#queue.splice(-3)[2];
      if (typeof fds === 'number') owned.push(fds);
    }
    this.#queued -= k;
    closeOwned(owned);
  }

  /** A promise for everything queued so far that is not in a group yet. */
  #group(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#groups.push({ end: this.#queued, resolve, reject });
      void this.#pumpWrite();
    });
  }

  /** The first n queued messages went: close their fds, settle the groups now complete. */
  #advance(n: number, error?: unknown): void {
    const q = this.#queue;
    const owned: number[] = [];
    for (let i = this.#start; i < this.#start + n; i++) {
      const fds = q[i * 3 + 2];
      if (typeof fds === 'number') owned.push(fds);
      q[i * 3] = q[i * 3 + 1] = q[i * 3 + 2] = undefined;
      this.#subjects[i] = undefined;
    }
    closeOwned(owned);
    this.#start += n;
    this.#done += n;
    if (this.#done === this.#queued || this.#start >= 1024) {
      // drained (or a long backlog): forget the sent part
      q.splice(0, this.#start * 3);
      this.#subjects.splice(0, this.#start);
      this.#start = 0;
    }
    while (this.#groups.length && this.#groups[0]!.end <= this.#done) {
      const g = this.#groups.shift()!;
      if (error === undefined) g.resolve();
      else g.reject(error);
    }
  }

  /** Drop queued messages up to sequence number `end` (a failed group, or all at close). */
  #drop(end: number, error: unknown): void {
    const n = end - this.#done;
    if (n > 0) this.#advance(n, error);
  }

  /** Send queued messages in order, waiting for POLLOUT when the socket is full. */
  async #pumpWrite(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    try {
      while (!this.#idle() && this.#fd >= 0) {
        let n: number;
        try {
          n = this.#transmit(
            this.#queue,
            this.#start,
            Math.min(this.#queued - this.#done, SEND_BATCH),
            this.#name,
          );
        } catch (e) {
          // the first queued message cannot go: its whole send()/sendMany() call fails
          this.#drop(this.#groups[0]!.end, e);
          continue;
        }
        if (n > 0) {
          this.#advance(n);
          continue;
        }
        const id = nextPollId();
        let wait: Promise<number>;
        try {
          wait = startPoll(this.#fd, 'out', -1, id, `${this.#label}: waiting to send`);
        } catch (e) {
          this.#drop(this.#queued, e);
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
