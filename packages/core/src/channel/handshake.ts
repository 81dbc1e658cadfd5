import { DmaBufError } from '../errors.js';
import type { PollOptions } from '../poll.js';
import { refusedError } from './allow-list.js';
import type { ChannelReceiver } from './channel-receiver.js';
import { badMessage, decode, encodeRefused, HELLO, PROTOCOL_VERSION } from './protocol.js';
import { closeOwned, type PeerCredentials, sendRaw } from './unix-socket.js';

/**
 * Both sides of the handshake. The server's first message on a connection
 * is its hello (the protocol version) or a refusal (then it closes); the
 * client waits for it before the peer is handed out, and refuses a server of
 * another protocol version with EPROTO.
 */

/** Server side: greet an admitted connection. false when the client left already (the caller closes fd). */
export function greet(fd: number, what: string): boolean {
  try {
    // A fresh socket always has room for the hello; a client that already left gets EPIPE.
    return sendRaw(fd, HELLO, [], what);
  } catch {
    return false;
  }
}

/** Server side: tell a connection why it is refused (the caller closes fd). */
export function refuse(fd: number, reason: string): void {
  try {
    sendRaw(fd, encodeRefused(reason), [], 'refuse');
  } catch {
    // The client is gone already; closing is all that is left.
  }
}

/** Client side: wait for the server's hello (or refusal) on a new peer's receiver. */
export async function awaitHello(
  receiver: ChannelReceiver,
  options: PollOptions,
  server: string,
  label: string,
  credentials: PeerCredentials,
): Promise<void> {
  const raw = await receiver.receiveRaw(options);
  if (raw === null) {
    throw new DmaBufError(`${server} closed the connection before accepting it`, {
      code: 'ECONNRESET',
      hint: 'The server may be shutting down or out of resources; retry',
    });
  }
  closeOwned(raw.fds);
  const d = decode(raw.text, label);
  if (d.kind === 'refused') throw refusedError(label, credentials, d.reason);
  if (d.kind !== 'hello') throw badMessage(label, `expected the server's hello, got a ${d.kind} message`);
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
