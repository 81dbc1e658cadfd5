import { chmodSync, lstatSync, statSync, unlinkSync } from 'node:fs';
import { ERRNO } from '../errno.js';
import { DmaBufError, invalidArgument, SystemError } from '../errors.js';
import { Framework } from '../framework.js';
import { abortError, checkPollOptions, type PollOptions, timeoutError } from '../poll.js';
import { type AllowList, allowCheck, describePeer, PeerRefusedError } from './allow-list.js';
import { ChannelPeer } from './channel-peer.js';
import { ChannelServer } from './channel-server.js';
import {
  assertSocketPath,
  closeSocket,
  connectSocket,
  listenSocket,
  peerCredentials,
  socketPair,
} from './unix-socket.js';

/** Options of both ends of a BufferChannel. */
export interface ChannelOptions {
  /** Received fds become DmaBufs of this framework (framework.get). */
  framework: Framework;
  /** Who may be on the other end (SO_PEERCRED). Default: this process's uid. */
  allow?: AllowList;
}

/** Options of `BufferChannel.listen`. */
export interface ListenOptions extends ChannelOptions {
  /** listen() backlog. Default 64. */
  backlog?: number;
  /**
   * Permission bits of the socket file, set right after bind. Default 0o600: only this user can
   * connect (the allow-list then checks each peer's uid/gid/pid again).
   */
  mode?: number;
}

/** Options of `BufferChannel.connect`: the channel's, and how long to wait for the server (`timeoutMs`, `signal`). */
export interface ConnectOptions extends ChannelOptions, PollOptions {}

const { EADDRINUSE } = ERRNO;
const DEFAULT_CONNECT_TIMEOUT = 10_000;

function checkOptions(options: ChannelOptions): void {
  if (typeof options !== 'object' || options === null)
    throw invalidArgument('options', 'an object { framework, allow? }', options);
  if (!(options.framework instanceof Framework)) {
    throw invalidArgument(
      'options.framework',
      'a Framework',
      options.framework,
      'Received fds become buffers of a framework: pass { framework: await Framework.create(...) }',
    );
  }
}

/** Whether path is a socket file nobody listens on (left by a server that died). */
function isStaleSocket(path: string): boolean {
  try {
    if (!lstatSync(path).isSocket()) return false;
  } catch {
    return false;
  }
  try {
    const fd = connectSocket(path);
    if (fd !== undefined) closeSocket(fd);
    return false;
  } catch (e) {
    return e instanceof SystemError && e.code === 'ECONNREFUSED';
  }
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Share dma-bufs between processes over a Unix socket (AF_UNIX
 * SOCK_SEQPACKET, fds as SCM_RIGHTS), with the peers' credentials checked
 * against an allow-list.
 *
 *   // server
 *   await using server = BufferChannel.listen('/run/app.sock', { framework });
 *   for await (const peer of server) for await (const m of peer) if ('buffer' in m) use(m.buffer);
 *   // client
 *   await using peer = await BufferChannel.connect('/run/app.sock', { framework });
 *   await peer.send(buf, { frame: 1 });
 */
export const BufferChannel = {
  /**
   * Listen on a socket path. A stale socket file (nobody listening) is
   * replaced; a live one is EADDRINUSE. The file is removed at close().
   */
  listen(path: string, options: ListenOptions): ChannelServer {
    assertSocketPath(path);
    checkOptions(options);
    const allow = allowCheck(options.allow);
    const backlog = options.backlog ?? 64;
    if (!Number.isSafeInteger(backlog) || backlog < 1 || backlog > 65535)
      throw invalidArgument('options.backlog', 'an integer between 1 and 65535', backlog);
    const mode = options.mode ?? 0o600;
    if (!Number.isSafeInteger(mode) || mode < 0 || mode > 0o777)
      throw invalidArgument('options.mode', 'permission bits between 0o000 and 0o777', mode);
    let fd: number;
    try {
      fd = listenSocket(path, backlog);
    } catch (e) {
      if (!(e instanceof SystemError && e.errno === EADDRINUSE && isStaleSocket(path))) throw e;
      unlinkSync(path);
      fd = listenSocket(path, backlog);
    }
    let ino: number;
    try {
      chmodSync(path, mode);
      ino = statSync(path).ino;
    } catch (e) {
      closeSocket(fd);
      throw new DmaBufError(`the socket file ${path} vanished right after bind`, {
        code: 'ENOENT',
        hint: 'Something else removes files there; use another folder',
        cause: e,
      });
    }
    return new ChannelServer(fd, path, ino, options.framework, allow);
  },

  /**
   * Connect to a server: checks the server's credentials against `allow`,
   * then waits for its hello (a server that refuses this process rejects
   * with EACCES). A full backlog is retried until timeoutMs (default 10 s).
   */
  async connect(path: string, options: ConnectOptions): Promise<ChannelPeer> {
    assertSocketPath(path);
    checkOptions(options);
    checkPollOptions(options);
    const allow = allowCheck(options.allow);
    const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT;
    const { signal } = options;
    const deadline = Date.now() + timeoutMs;
    const what = `connect to ${path}`;
    let fd: number | undefined;
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      if (signal?.aborted) throw abortError(what, signal);
      fd = connectSocket(path);
      if (fd !== undefined) break;
      if (Date.now() >= deadline)
        throw timeoutError(
          what,
          timeoutMs,
          'The server does not accept connections fast enough (backlog full)',
        );
      await delay(wait);
    }
    let peer: ChannelPeer;
    try {
      const cred = peerCredentials(fd);
      const why = allow(cred);
      if (why !== undefined) {
        throw new PeerRefusedError(
          `the server at ${path} is ${describePeer(cred)}, not allowed: ${why}`,
          cred,
          'Pass an allow option to BufferChannel.connect() that admits the server',
        );
      }
      peer = new ChannelPeer(fd, options.framework, cred);
    } catch (e) {
      closeSocket(fd);
      throw e;
    }
    try {
      await peer.handshake(
        { timeoutMs: Math.max(0, deadline - Date.now()), ...(signal ? { signal } : {}) },
        `the server at ${path}`,
      );
    } catch (e) {
      peer.close();
      throw e;
    }
    return peer;
  },

  /** Two connected peers in this process (socketpair), e.g. to hand one fd to a child process or worker. */
  pair(options: ChannelOptions): [ChannelPeer, ChannelPeer] {
    checkOptions(options);
    const [a, b] = socketPair();
    const cred = peerCredentials(a);
    return [new ChannelPeer(a, options.framework, cred), new ChannelPeer(b, options.framework, cred)];
  },
};
