import { DmaBufError, invalidArgument } from '../errors.js';
import type { PeerCredentials } from './unix-socket.js';

/**
 * Who may talk on a channel. As lists: a peer is allowed when it matches
 * every list given (`{ uids: [1000] }`: uid 1000, any gid or pid; `{}`:
 * anyone). As a function: return true to allow. The default is this
 * process's own uid.
 */
export type AllowList =
  | {
      /** User ids allowed (the peer's effective uid, from SO_PEERCRED); omitted: any uid. */
      uids?: readonly number[];
      /** Group ids allowed (the peer's effective gid only, not its supplementary groups); omitted: any gid. */
      gids?: readonly number[];
      /** Process ids allowed (the pid that connected or listened); omitted: any pid. */
      pids?: readonly number[];
    }
  | ((credentials: PeerCredentials) => boolean);

/** A checked allow-list: returns undefined when allowed, else why not. */
export type AllowCheck = (credentials: PeerCredentials) => string | undefined;

function assertIds(name: string, list: unknown): asserts list is readonly number[] | undefined {
  if (list === undefined) return;
  if (!Array.isArray(list) || !list.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw invalidArgument(name, 'an array of ids (integers >= 0)', list);
  }
}

/** Validate an allow-list option and turn it into a check. */
export function allowCheck(allow: AllowList | undefined): AllowCheck {
  if (allow === undefined) {
    const uid = process.getuid?.() ?? 0;
    return (c) => (c.uid === uid ? undefined : `uid ${c.uid} is not this process's uid ${uid}`);
  }
  if (typeof allow === 'function') {
    return (c) => {
      let ok: boolean;
      try {
        ok = allow(c);
      } catch (e) {
        return `the allow function threw: ${e instanceof Error ? e.message : String(e)}`;
      }
      return ok === true ? undefined : 'the allow function refused it';
    };
  }
  if (typeof allow !== 'object' || allow === null || Array.isArray(allow)) {
    throw invalidArgument(
      'allow',
      'an object { uids?, gids?, pids? } or a function (credentials) => boolean',
      allow,
    );
  }
  assertIds('allow.uids', allow.uids);
  assertIds('allow.gids', allow.gids);
  assertIds('allow.pids', allow.pids);
  const { uids, gids, pids } = allow;
  return (c) => {
    if (uids && !uids.includes(c.uid)) return `uid ${c.uid} is not in allow.uids`;
    if (gids && !gids.includes(c.gid)) return `gid ${c.gid} is not in allow.gids`;
    if (pids && !pids.includes(c.pid)) return `pid ${c.pid} is not in allow.pids`;
    return undefined;
  };
}

/** A peer the allow-list refused (code EACCES); `credentials` says who it was. */
export class PeerRefusedError extends DmaBufError {
  /** The refused peer's pid, uid and gid, as the kernel reported them at connect. */
  readonly credentials: PeerCredentials;

  constructor(message: string, credentials: PeerCredentials, hint: string) {
    super(message, { code: 'EACCES', hint });
    this.credentials = credentials;
  }
}

/** The error for a refusal the other side sent over the channel (code EACCES). */
export function refusedError(label: string, credentials: PeerCredentials, reason: string): PeerRefusedError {
  return new PeerRefusedError(
    `${label} refused this process: ${reason}`,
    credentials,
    "Add this process's uid/gid/pid to the server's allow-list",
  );
}

export function describePeer(c: PeerCredentials): string {
  return `pid ${c.pid} (uid ${c.uid}, gid ${c.gid})`;
}
