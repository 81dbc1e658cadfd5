import { EventEmitter } from 'node:events';
import { ERRNO } from '../errno.js';
import type { Framework } from '../framework.js';
import { checkPollOptions, FdWatcher, type PollOptions } from '../poll.js';
import { type AllowCheck, describePeer, PeerRefusedError } from './allow-list.js';
import { ChannelPeer } from './channel-peer.js';
import { greet, refuse } from './handshake.js';
import { guardSocket, type HeldSocket, releaseSocket } from './socket-guard.js';
import {
  acceptSocket,
  closedError,
  closeSocket,
  type PeerCredentials,
  peerCredentials,
} from './unix-socket.js';
import { addWaiter, type Waiter, type WaitSpec } from './waiters.js';

const { ECANCELED } = ERRNO;

/**
 * A listening channel (BufferChannel.listen). Connections whose credentials
 * pass the allow-list become ChannelPeers, handed out by accept(),
 * `for await (const peer of server)`, or the 'connection' event (when it has
 * listeners). Refused peers are closed and reported on the 'refused' event
 * (a PeerRefusedError, code EACCES); they never reach accept().
 *
 * Events: 'connection' (peer), 'refused' (PeerRefusedError), 'error' (accept
 * failures, only when someone listens; otherwise they reject accept()).
 * It polls the socket only while someone wants a connection.
 */
export class ChannelServer
  extends EventEmitter
  implements AsyncIterable<ChannelPeer>, Disposable, AsyncDisposable
{
  /** The socket file it listens on, as given to listen(); removed at close() if it is still this server's. */
  readonly path: string;
  /** The framework handed to every accepted peer (received buffers are adopted into it). */
  readonly framework: Framework;
  #fd: number;
  readonly #allow: AllowCheck;
  readonly #ready: ChannelPeer[] = [];
  readonly #waiters: Waiter<ChannelPeer>[] = [];
  readonly #waitSpec: WaitSpec;
  #pumping = false;
  /** The listening socket's watcher (opened at the first wait), and whether a wait is pending on it. */
  #watching = false;
  /** The socket, its watcher and its file, as the safety net sees them. */
  readonly #held: HeldSocket;

  /** @internal use BufferChannel.listen */
  constructor(fd: number, path: string, ino: number, framework: Framework, allow: AllowCheck) {
    super();
    this.#fd = fd;
    this.path = path;
    this.framework = framework;
    this.#allow = allow;
    this.#held = { fd, watcher: undefined, socketFile: { path, ino }, label: `channel server ${path}` };
    guardSocket(this, this.#held);
    this.#waitSpec = {
      what: `accept on ${path}`,
      timeoutHint: 'Raise timeoutMs, or check that the client connects',
      dropped: () => {
        if (!this.#wanted() && this.#watching) this.#held.watcher?.cancel();
      },
    };
    this.on('newListener', (event) => {
      if (event === 'connection') queueMicrotask(() => void this.#pump());
    });
    // nobody wants connections any more: stop polling, so the process may exit
    this.on('removeListener', (event) => {
      if (event === 'connection' && !this.#wanted() && this.#watching) this.#held.watcher?.cancel();
    });
  }

  /** True once close() has run: it accepts nothing more and accept() rejects. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /** The next allowed connection. Rejects with ECANCELED when the server closes. */
  accept(options: PollOptions = {}): Promise<ChannelPeer> {
    try {
      checkPollOptions(options);
      if (this.#fd < 0) throw closedError(`channel server ${this.path}`);
      const ready = this.#ready.shift();
      if (ready) return Promise.resolve(ready);
      const p = addWaiter<ChannelPeer, Waiter<ChannelPeer>>(
        this.#waiters,
        (resolve, reject) => ({ resolve, reject }),
        options,
        this.#waitSpec,
      );
      void this.#pump();
      return p;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Iterate allowed connections until the server closes. */
  [Symbol.asyncIterator](): AsyncIterator<ChannelPeer> {
    return {
      next: async (): Promise<IteratorResult<ChannelPeer>> => {
        try {
          return { done: false, value: await this.accept() };
        } catch (e) {
          if (this.closed) return { done: true, value: undefined };
          throw e;
        }
      },
      return: async (): Promise<IteratorResult<ChannelPeer>> => ({ done: true, value: undefined }),
    };
  }

  /**
   * Stop listening: the socket file is removed (if it is still ours), pending
   * accept() calls reject with ECANCELED, peers accepted but not handed out
   * are closed. Peers already handed out stay open. Idempotent.
   */
  close(): void {
    if (this.#fd < 0) return;
    this.#fd = -1;
    const err = closedError(`channel server ${this.path}`);
    for (const w of this.#waiters.splice(0)) w.reject(err);
    for (const p of this.#ready.splice(0)) p.close();
    releaseSocket(this, this.#held);
    this.emit('close');
  }

  /** `using`: close() when the scope ends. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `await using`: close() when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #wanted(): boolean {
    return this.#waiters.length > 0 || this.listenerCount('connection') > 0;
  }

  /** While someone wants a connection: accept, check, hand out; wait for POLLIN through libuv. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#fd >= 0 && this.#wanted()) {
        let fd: number | undefined;
        try {
          fd = acceptSocket(this.#fd, this.path);
        } catch (e) {
          this.#fail(e);
          break;
        }
        if (fd !== undefined) {
          this.#admit(fd);
          continue;
        }
        let wait: Promise<number>;
        try {
          this.#held.watcher ??= new FdWatcher(this.#fd, `channel server ${this.path}`);
          wait = this.#held.watcher.wait('in');
        } catch (e) {
          this.#fail(e);
          break;
        }
        this.#watching = true;
        const bits = await wait;
        this.#watching = false;
        if (bits < 0 && bits !== -ECANCELED) break;
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** An accept error: to 'error' listeners, else to the waiting accept() calls. */
  #fail(e: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', e);
    else for (const w of this.#waiters.splice(0)) w.reject(e);
  }

  /** Check a new connection's credentials; greet and hand it out, or refuse and close it. */
  #admit(fd: number): void {
    let cred: PeerCredentials;
    try {
      cred = peerCredentials(fd);
    } catch (e) {
      closeSocket(fd);
      if (this.listenerCount('error') > 0) this.emit('error', e);
      return;
    }
    const why = this.#allow(cred);
    if (why !== undefined) {
      refuse(fd, why);
      closeSocket(fd);
      this.emit(
        'refused',
        new PeerRefusedError(
          `channel server ${this.path} refused ${describePeer(cred)}: ${why}`,
          cred,
          'Add its uid/gid/pid to the allow option of BufferChannel.listen() if it should connect',
        ),
      );
      return;
    }
    if (!greet(fd, `channel server ${this.path}: cannot greet ${describePeer(cred)}`)) {
      closeSocket(fd);
      return;
    }
    const peer = new ChannelPeer(fd, this.framework, cred);
    const w = this.#waiters.shift();
    if (w) w.resolve(peer);
    else if (this.listenerCount('connection') > 0) this.emit('connection', peer);
    else this.#ready.push(peer);
  }
}
