import { lstatSync, unlinkSync } from 'node:fs';
import type { FdWatcher } from '../poll.js';
import type { ReceivedBatch } from './received-batch.js';
import { closeSocket } from './unix-socket.js';

/** What a channel end holds that must be freed if it is garbage-collected without close(). */
export interface HeldSocket {
  fd: number;
  /** Opened at the first wait. */
  watcher: FdWatcher | undefined;
  /** The last read: the fds of its messages, delivered or not, are ours until the batch is done. */
  batch?: ReceivedBatch;
  /** A listening socket's file, removed with it. */
  socketFile?: { path: string; ino: number };
  /** How warnings name it. */
  label: string;
}

/** Remove a socket file if it is still the one we bound (same inode). */
function removeSocketFile(path: string, ino: number): void {
  try {
    const st = lstatSync(path);
    if (st.isSocket() && st.ino === ino) unlinkSync(path);
  } catch {
    // Already gone: nothing to remove.
  }
}

/** Close what every channel end holds: its watcher (before its fd), its socket, its socket file if still ours. */
function closeHeld(held: HeldSocket): void {
  held.watcher?.close();
  closeSocket(held.fd);
  if (held.socketFile) removeSocketFile(held.socketFile.path, held.socketFile.ino);
}

/**
 * The safety net for channel ends: one that is garbage-collected without
 * close() gets its socket, its watcher and its undelivered fds closed, and is
 * reported once as a process warning. (A pending receive or send keeps its
 * channel end alive, so this never runs under a waiting caller.)
 */
const registry = new FinalizationRegistry<HeldSocket>((held) => {
  held.batch?.close();
  closeHeld(held);
  process.emitWarning(
    `${held.label} was garbage-collected without close(); its socket (fd ${held.fd}) was closed. Close channels with close() or \`await using\`.`,
    { code: 'DMABUF_CHANNEL_LEAK' },
  );
});

export function guardSocket(owner: object, held: HeldSocket): void {
  registry.register(owner, held, owner);
}

/**
 * The last step of a channel end's close(), once it has settled what waits on
 * it: out of the safety net, then its watcher, socket and socket file closed.
 */
export function releaseSocket(owner: object, held: HeldSocket): void {
  registry.unregister(owner);
  closeHeld(held);
}
