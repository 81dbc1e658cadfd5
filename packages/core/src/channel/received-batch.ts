/**
 * What one read of a channel socket gave (one recvmmsg: native
 * receiveMessages), kept as the addon wrote it and taken message by message:
 * no object, array or string per message until one is decoded. The texts are
 * one string (one message, or several ASCII ones joined: cut at their
 * lengths) or an array (several, one of them not ASCII); flags, lengths and
 * fd counts are in `meta`, the fds of the whole batch in one run after them.
 * Every fd of the batch stays open until the batch is done (its last message
 * taken, or close()), then they are closed together from that run (one
 * close_range, usually); a message taken raw (the handshake) takes its fds
 * out of the run first.
 */
import { ERRNO } from '../errno.js';
import { SystemError } from '../errors.js';
import { native } from '../native.js';
import { RECEIVE_BATCH, type ReceivedMessage, socketHint } from './unix-socket.js';

/** Where receiveMessages' meta lists the fds: after the count and 3 per message (flags, text length, fd count). */
const FDS_AT = 1 + 3 * RECEIVE_BATCH;
/** Most fds a message keeps (more arrive as FDS_CUT). */
const MAX_FDS = 16;
const { EAGAIN, ECONNRESET } = ERRNO;

/** One read of a channel socket, taken message by message (see above); one per peer, reused for every read. */
export class ReceivedBatch {
  /** What receiveMessages writes: [0] the count; message i's flags, text length and fd count at 1 + 3i; the fds from FDS_AT. */
  readonly meta = new Int32Array(FDS_AT + RECEIVE_BATCH * MAX_FDS);
  /** How many messages the batch has (0: none read, or all of them done). */
  count = 0;
  /** The next message to take. */
  next = 0;
  /** The texts of several non-ASCII messages (else undefined: `#text` holds them). */
  #texts: string[] | undefined;
  /** The one message's text, or the joined texts of an ASCII batch. */
  #text = '';
  /** Where the next message's text starts in #text. */
  #pos = 0;
  /** Where the next message's fds start in meta. */
  #fdAt = FDS_AT;

  /** Messages are left to take. */
  get pending(): boolean {
    return this.next < this.count;
  }

  /**
   * Read what the socket holds (up to max, never blocking) into this empty
   * batch: how many messages, 'again' when none is waiting, 'end' when the
   * other side hung up. prefix: messages that begin with it come with
   * PREFIXED and only the text after it. Throws SystemError (`what` names the read).
   */
  read(fd: number, max: number, what: string, prefix?: string): number | 'again' | 'end' {
    for (let attempt = 0; ; attempt++) {
      const r = native().receiveMessages(fd, Math.min(max, RECEIVE_BATCH), this.meta, prefix);
      if (typeof r === 'string') {
        this.#text = r;
        this.#texts = undefined;
      } else if (typeof r !== 'number') {
        if (r.length === 0) return 'end';
        this.#texts = r;
      } else {
        if (r === -EAGAIN) return 'again';
        // A peer that exits with unread data leaves ECONNRESET pending once; the
        // messages it sent before are still queued: read on.
        if (r === -ECONNRESET && attempt === 0) continue;
        throw new SystemError(what, -r, 'recvmsg', socketHint(-r));
      }
      this.#pos = 0;
      this.#fdAt = FDS_AT;
      this.next = 0;
      this.count = this.meta[0]!;
      return this.count;
    }
  }

  /** The next message's flags (see unix-socket.ts FDS_CUT, TEXT_CUT, PREFIXED); call before text(). */
  flags(): number {
    return this.meta[1 + 3 * this.next]!;
  }

  /** The next message's number of fds. */
  fdCount(): number {
    return this.meta[3 + 3 * this.next]!;
  }

  /** The next message's first fd (-1: none); it stays the batch's to close. */
  firstFd(): number {
    return this.meta[3 + 3 * this.next] ? this.meta[this.#fdAt]! : -1;
  }

  /** The next message's text; moves on to the message after it. */
  text(): string {
    const i = this.next++;
    const at = 1 + 3 * i;
    this.#fdAt += this.meta[at + 2]!;
    if (this.#texts !== undefined) return this.#texts[i]!;
    if (this.count === 1) return this.#text;
    const start = this.#pos;
    this.#pos = start + this.meta[at + 1]!;
    return this.#text.slice(start, this.#pos);
  }

  /** The next message as it came (the handshake): its fds are the caller's from now on. */
  takeRaw(): ReceivedMessage {
    const flags = this.flags();
    const n = this.fdCount();
    const fds: number[] = [];
    for (let k = this.#fdAt; k < this.#fdAt + n; k++) {
      fds.push(this.meta[k]!);
      this.meta[k] = -1; // not the batch's to close any more
    }
    const text = this.text();
    if (!this.pending) this.close();
    return { text, fds, flags };
  }

  /** Close the fds of every message of the batch (taken or not) and forget it. */
  close(): void {
    if (this.count === 0) return;
    let end = FDS_AT;
    for (let i = 0; i < this.count; i++) end += this.meta[3 + 3 * i]!;
    this.#forget(end);
  }

  /** The batch is done (its last message was taken): close all its fds at once. */
  finish(): void {
    this.#forget(this.#fdAt);
  }

  /** Forget the batch and close the fds meta lists up to `end`. */
  #forget(end: number): void {
    this.count = 0;
    this.next = 0;
    this.#text = '';
    this.#texts = undefined;
    if (end > FDS_AT) native().closeFdsIn(this.meta, FDS_AT, end);
  }
}
