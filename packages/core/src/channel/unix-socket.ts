/**
 * The channel's transport: AF_UNIX SOCK_SEQPACKET sockets that carry text and
 * fds, as typed calls over the core addon. It moves bytes and fds only; what
 * the text means is protocol.ts's business.
 */
import { ERRNO, errnoName } from '../errno.js';
import { DmaBufError, invalidArgument, SystemError } from '../errors.js';
import { native } from '../native.js';
import { check } from '../syscall.js';

/** Who is on the other end of a Unix socket (SO_PEERCRED, taken by the kernel at connect/listen). */
export interface PeerCredentials {
  /** The peer's process id (in this process's pid namespace; 0 when the peer is in a namespace this one cannot see). */
  pid: number;
  /** The peer's effective user id. */
  uid: number;
  /** The peer's effective group id. */
  gid: number;
}

/** One message as it came off the socket. */
export interface ReceivedMessage {
  /** The text (UTF-8 decoded); with PREFIXED, only what followed the prefix. */
  text: string;
  /** fds that came with it (CLOEXEC, ours to close). */
  fds: number[];
  /**
   * FDS_CUT: more fds than a message may carry (those that arrived are
   * closed); TEXT_CUT: longer than MAX_MESSAGE_BYTES; PREFIXED: the message
   * began with the prefix passed to the read, which was stripped.
   */
  flags: number;
}

export const FDS_CUT = 1;
export const TEXT_CUT = 2;
export const PREFIXED = 4;

/** Largest message (text) the channel sends or accepts, in bytes. */
export const MAX_MESSAGE_BYTES = 65536;

/** Most messages one sendmmsg takes (sendBatch), and one recvmmsg reads. */
export const SEND_BATCH = 64;
export const RECEIVE_BATCH = 32;

/** What sendBatch takes: flat triples [text, tail, fds, ...] (it packs them for native sendMessages: joined texts, an Int32Array of lengths and fds). */
export type OutgoingList = Array<string | undefined | number | readonly number[]>;

const { EAGAIN } = ERRNO;
const SUN_PATH_MAX = 107;

/** Validate a socket path: a non-empty string of at most 107 bytes without NUL. */
export function assertSocketPath(path: unknown): asserts path is string {
  if (
    typeof path !== 'string' ||
    path.length === 0 ||
    path.includes('\0') ||
    Buffer.byteLength(path) > SUN_PATH_MAX
  ) {
    throw invalidArgument(
      'path',
      `a socket path of 1 to ${SUN_PATH_MAX} bytes without NUL`,
      path,
      'Unix socket paths are short: use a path under /run or /tmp, or a relative path',
    );
  }
}

/** What to do about a socket call that failed with errno (undefined: nothing to add). */
export function socketHint(errno: number, path?: string, listening = false): string | undefined {
  switch (errnoName(errno)) {
    case 'ENOENT':
      return listening
        ? `The folder of ${path} does not exist: create it first`
        : `No server listens at ${path}: start it first with BufferChannel.listen()`;
    case 'EROFS':
      return `${path} is on a read-only file system: listen somewhere writable (/run, /tmp)`;
    case 'ECONNREFUSED':
      return `The socket file ${path} exists but nobody listens on it (a server that exited?)`;
    case 'EACCES':
      return `No permission on ${path} or its folder: check the file mode and the user`;
    case 'EADDRINUSE':
      return `Another server listens on ${path}: close it, or pick another path`;
    case 'EPIPE':
    case 'ECONNRESET':
    case 'ENOTCONN':
      return 'The other process closed the channel or exited';
    case 'EMSGSIZE':
      return `Messages are at most ${MAX_MESSAGE_BYTES} bytes: send a smaller meta object`;
    case 'EMFILE':
    case 'ENFILE':
      return 'Out of file descriptors: close unused buffers and channels, or raise the limit (ulimit -n)';
    case 'ETOOMANYREFS':
      return 'Too many fds in flight on this socket: let the receiver catch up';
    default:
      return undefined;
  }
}

/** socket + bind + listen; throws SystemError (EADDRINUSE when the path is taken). */
export function listenSocket(path: string, backlog: number): number {
  return check(native().unixListen(path, backlog), 'bind/listen', `cannot listen on ${path}`, (e) =>
    socketHint(e, path, true),
  );
}

/** connect; undefined when the server's backlog is full (try again). */
export function connectSocket(path: string): number | undefined {
  const fd = native().unixConnect(path);
  if (fd === -EAGAIN) return undefined;
  return check(fd, 'connect', `cannot connect to ${path}`, (e) => socketHint(e, path));
}

/** accept4; undefined when nobody is waiting. */
export function acceptSocket(fd: number, path: string): number | undefined {
  const r = native().unixAccept(fd);
  if (r === -EAGAIN) return undefined;
  return check(r, 'accept4', `cannot accept a connection on ${path}`, (e) => socketHint(e, path));
}

export function socketPair(): [number, number] {
  return check(native().unixSocketPair(), 'socketpair', 'cannot create a socket pair', (e) => socketHint(e));
}

export function peerCredentials(fd: number): PeerCredentials {
  return check(
    native().peerCredentials(fd),
    'getsockopt(SO_PEERCRED)',
    `cannot read the peer credentials of fd ${fd}`,
  );
}

/** sendmsg of one message; false when the socket is full (wait for POLLOUT and retry). */
export function sendRaw(fd: number, text: string, fds: readonly number[] | number, what: string): boolean {
  return sendOne(fd, text, undefined, fds, () => what);
}

/**
 * sendmsg of one message, text followed by tail (undefined: none); false
 * when the socket is full (wait for POLLOUT and retry). Throws SystemError;
 * `what()` names the message in it (built only then).
 */
export function sendOne(
  fd: number,
  text: string,
  tail: string | undefined,
  fds: readonly number[] | number,
  what: () => string,
): boolean {
  const n = native().sendMessage(fd, text, fds, tail);
  if (n >= 0) return true;
  if (n === -EAGAIN) return false;
  throw new SystemError(what(), -n, 'sendmsg', socketHint(-n));
}

/** Most fds one message of sendBatch carries (native sendMessages' limit). */
const MAX_SEND_FDS = 64;
/** sendBatch's meta for native sendMessages: per message its text's length, its number of fds, the fds. */
const SEND_META = new Int32Array(SEND_BATCH * (2 + MAX_SEND_FDS));

/**
 * One sendmmsg of `count` messages (at most SEND_BATCH) of `list` from
 * message index `from`: how many went (0: the socket is full, wait for
 * POLLOUT). Throws SystemError when the first cannot go; `what(i)` names
 * message i in that error (built only then). The native side gets the
 * texts joined in one string and the lengths and fds in one Int32Array.
 */
export function sendBatch(
  fd: number,
  list: OutgoingList,
  from: number,
  count: number,
  what: (index: number) => string,
): number {
  const meta = SEND_META;
  const end = from + Math.min(count, SEND_BATCH);
  let texts = '';
  let at = 0;
  let i = from;
  for (; i < end; i++) {
    const text = list[i * 3] as string;
    const tail = list[i * 3 + 1] as string | undefined;
    const fds = list[i * 3 + 2] as number | readonly number[];
    const start = at;
    if (typeof fds === 'number') {
      meta[start + 1] = 1;
      meta[start + 2] = fds;
      at = start + 3;
    } else if (fds.length <= MAX_SEND_FDS) {
      meta[start + 1] = fds.length;
      for (let k = 0; k < fds.length; k++) meta[start + 2 + k] = fds[k]!;
      at = start + 2 + fds.length;
    } else {
      // more fds than a message may carry: the batch ends before it; alone, native refuses it (EINVAL)
      if (i === from) {
        meta[start] = 0;
        meta[start + 1] = fds.length;
        i++;
      }
      break;
    }
    if (tail === undefined) {
      meta[start] = text.length;
      texts += text;
    } else {
      meta[start] = text.length + tail.length;
      texts += text;
      texts += tail;
    }
  }
  const n = native().sendMessages(fd, texts, meta, i - from);
  if (n >= 0) return n;
  if (n === -EAGAIN) return 0;
  throw new SystemError(what(from), -n, 'sendmmsg', socketHint(-n));
}

/** Close fds this process owns (received, or duplicated to send), in as few syscalls as runs of numbers. */
export function closeOwned(fds: readonly number[]): void {
  if (fds.length === 1) native().close(fds[0]!);
  else if (fds.length) native().closeFds(fds);
}

/** Close a socket this process owns. */
export function closeSocket(fd: number): void {
  native().close(fd);
}

/** The channel was closed on this side. */
export function closedError(label: string): DmaBufError {
  return new DmaBufError(`${label} is closed`, {
    code: 'ECANCELED',
    hint: 'Open a new channel; do not use one after close()',
  });
}
