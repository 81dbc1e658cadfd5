import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAddon } from './load-addon.js';

/** Stat fields the core needs from fstat. */
export interface RawStat {
  dev: number;
  ino: number;
  mode: number;
  size: number;
  rdev: number;
}

/** Received message from recvFds: payload bytes plus the fds that came with it. */
export interface RawMessage {
  data: Uint8Array;
  fds: number[];
  /** true when the kernel truncated fds (MSG_CTRUNC): the sender sent more than we accept. */
  truncated: boolean;
}

/**
 * The core addon. Every function takes already-validated integers and
 * returns a negative errno on failure instead of throwing.
 */
/** convertToXrgb's arguments: source bytes, format code, size, the source planes' pitches and offsets, destination and its pitch. */
type ConvertArgs = [
  src: Uint8Array,
  format: number,
  width: number,
  height: number,
  pitches: readonly number[],
  offsets: readonly number[],
  dst: Uint8Array,
  dstPitch: number,
];

export interface CoreAddon {
  dup(fd: number): number;
  close(fd: number): number;
  /**
   * Close every fd of the list (runs of consecutive fds in one close_range).
   * 0 or the first -errno; inside a run a closed fd is skipped silently: only
   * for fds the caller owns.
   */
  closeFds(fds: readonly number[]): number;
  /** closeFds for the fds of list[from..to) (negative elements skipped): 0, the first -errno, -EINVAL when the range is not in the list. */
  closeFdsIn(list: Int32Array, from: number, to: number): number;
  fstat(fd: number): RawStat | number;
  lseek(fd: number, offset: number, whence: number): number;
  getFdFlags(fd: number): number;

  mmap(fd: number, offset: number, length: number, prot: number): ArrayBuffer | number;
  munmap(buffer: ArrayBuffer): number;
  mmapPopulate(mapping: ArrayBuffer, write: boolean): number;
  mmapView(mapping: ArrayBuffer): ArrayBuffer | number;
  mmapDetachView(view: ArrayBuffer): number;
  liveMappings(): number;
  PROT_READ: number;
  PROT_WRITE: number;

  memfdCreate(name: string, flags: number): number;
  ftruncate(fd: number, size: number): number;
  addSeals(fd: number, seals: number): number;
  getSeals(fd: number): number;
  pwrite(fd: number, data: Uint8Array, offset: number): number;
  pread(fd: number, data: Uint8Array, offset: number): number;
  memfd: {
    MFD_ALLOW_SEALING: number;
    MFD_HUGETLB: number;
    F_SEAL_SEAL: number;
    F_SEAL_SHRINK: number;
    F_SEAL_GROW: number;
    F_SEAL_WRITE: number;
  };

  sync(fd: number, flags: number): number;
  setName(fd: number, name: string): number;
  exportSyncFile(fd: number, flags: number): number;
  importSyncFile(fd: number, flags: number, syncFd: number): number;
  dmaBufSync: { READ: number; WRITE: number; RW: number; START: number; END: number };

  /**
   * Wait for readiness through libuv (uv_poll on a duplicate of fd). events:
   * pollBits.READABLE | pollBits.WRITABLE. Resolves with pollBits of what the
   * fd reports, or a negative errno (-ETIMEDOUT, -ECANCELED, ...). timeoutMs
   * < 0: none. id > 0 allows pollCancel(id). Returns -errno if the wait
   * cannot start (EPERM: the file cannot be polled).
   */
  poll(fd: number, events: number, timeoutMs: number, id: number): Promise<number> | number;
  /** Stop the wait registered as id; it resolves with -ECANCELED. 0 or -ENOENT. */
  pollCancel(id: number): number;
  /** Waits in progress (poll() handles not closed yet, watchers with a wait pending). */
  pendingPolls(): number;
  pollBits: { READABLE: number; WRITABLE: number; ERROR: number; HANGUP: number; PRIORITY: number };
  /**
   * A watcher: a wait that stays set up between waits on the same fd (a
   * duplicate of it, polled through libuv), for fds waited on again and again.
   * Idle, it never keeps the event loop alive. Returns an id or -errno.
   */
  watcherOpen(fd: number, borrow?: boolean): number;
  /** Wait once on a watcher (one wait at a time, else -EBUSY); resolves like poll(). */
  watcherWait(id: number, events: number): Promise<number> | number;
  /**
   * The function watcherArm's waits call, onReady(pollBits, or -errno), and
   * the flags the caller shares with the watcher: [0] set by the caller
   * (stay armed after a call), [1] set by the watcher (0 disarmed, 1 armed,
   * 2 in a call of onReady). 0 or -errno (-EBUSY while armed).
   */
  watcherListen(id: number, onReady: (bits: number) => void, flags: Int32Array): number;
  /**
   * Arm a watcher: call its onReady straight from the libuv callback (no
   * promise) at each readiness; after each call (and the microtasks it ran)
   * it stays armed if flags[0] is set, else it disarms (an error disarms it
   * first). Arming an armed watcher changes its events. 0 or -errno (-EINVAL
   * before watcherListen, -EBUSY while a watcherWait is pending).
   */
  watcherArm(id: number, events: number): number;
  /** Change what the watcher watches for, its wait pending or not. 0 or -errno. */
  watcherSetEvents(id: number, events: number): number;
  /** Resolve the watcher's pending wait with -ECANCELED (an armed one: disarm it, no call). 0 or -ENOENT. */
  watcherCancel(id: number): number;
  /** Leave the loop's epoll set until the next wait (no-op while a promise wait is pending; an armed watcher is disarmed). 0 or -ENOENT. */
  watcherPause(id: number): number;
  /** Cancel, stop and close the watcher (and its duplicate fd). 0 or -ENOENT. */
  watcherClose(id: number): number;
  /** Watchers not closed yet. */
  liveWatchers(): number;

  /** AF_UNIX SOCK_SEQPACKET socket bound to path and listening (CLOEXEC, non-blocking). */
  unixListen(path: string, backlog: number): number;
  /** Connected AF_UNIX SOCK_SEQPACKET socket (CLOEXEC, non-blocking); -EAGAIN when the backlog is full. */
  unixConnect(path: string): number;
  /** accept4(CLOEXEC | NONBLOCK); -EAGAIN when nobody is waiting. */
  unixAccept(fd: number): number;
  /** A connected pair of SOCK_SEQPACKET sockets (CLOEXEC, non-blocking). */
  unixSocketPair(): [number, number] | number;
  /** SO_PEERCRED of a connected socket. */
  peerCredentials(fd: number): { pid: number; uid: number; gid: number } | number;
  /** sendmsg(MSG_NOSIGNAL | MSG_DONTWAIT) of text (at most 64 KiB) with fds as SCM_RIGHTS (an array of at most 64, a receiver takes 16; or one fd as a number); with tail the message is text followed by tail (joined as they are). Bytes sent or -errno. */
  sendMessage(fd: number, text: string, fds: readonly number[] | number, tail?: string): number;
  /**
   * One sendmmsg of the first `count` messages (at most 64): `texts` holds
   * their texts joined (no separator), `meta` per message, one after the
   * other, its length in `texts` (UTF-16 code units: JS string lengths), its
   * number of fds (at most 64) and the fds. Each message is at most 64 KiB
   * of UTF-8. How many went (fewer when the socket filled up, or before a
   * message over 64 KiB or one `meta` does not describe), or -errno when the
   * first could not go (-EMSGSIZE, -EINVAL, -EAGAIN, ...).
   */
  sendMessages(fd: number, texts: string, meta: Int32Array, count: number): number;
  /**
   * Up to max messages without blocking (recvmmsg MSG_CMSG_CLOEXEC): one
   * message as its text; several all-ASCII ones as ONE string, their texts
   * one after the other; several others as an array of texts; [] is the end
   * of the stream, -EAGAIN nothing waiting, -EINVAL a meta shorter than
   * 97 + max * 16. Into `meta`: [0] how many messages; for message i,
   * [1 + 3i] flags, [2 + 3i] its text's length (characters, when joined),
   * [3 + 3i] its number of fds; from [97] on the fds of all of them, message
   * after message. flags 1: the fds were cut (MSG_CTRUNC; those that arrived
   * are already closed), 2: the text was cut (MSG_TRUNC), 4: the text began
   * with the bytes of `prefix` (up to 4 KiB), and is only the rest.
   */
  receiveMessages(fd: number, max: number, meta: Int32Array, prefix?: string): string | string[] | number;

  /** YUYV (0), UYVY (1), NV12 (2), YU12 (3) to XR24; 0 or -EINVAL (a plane or the output does not fit its buffer). */
  convertToXrgb(...args: ConvertArgs): number;
  /** The same on a libuv pool thread: settles with 0 or -errno. */
  convertToXrgbAsync(...args: ConvertArgs): Promise<number>;
}

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

let addon: CoreAddon | undefined;

/** The core addon, loaded on first use. */
export function native(): CoreAddon {
  addon ??= loadAddon<CoreAddon>(packageRoot, '@dmabuf/core');
  return addon;
}
