import { createServer } from 'node:net';

/**
 * A unix socket QEMU connects to as a chardev client (one connection).
 * Resolves `connected` with the socket; `ended` once the socket closed.
 * @param {string} path
 */
export function portServer(path) {
  const server = createServer({ allowHalfOpen: true });
  /** @type {(s: import('node:net').Socket) => void} */
  let onConn = () => {};
  const connected = new Promise((resolve) => {
    onConn = resolve;
  });
  /** @type {() => void} */
  let endResolve = () => {};
  /** @type {Promise<void>} */
  const ended = new Promise((resolve) => {
    endResolve = () => resolve();
  });
  server.on('connection', (sock) => {
    server.close();
    sock.on('end', () => endResolve());
    sock.on('close', () => endResolve());
    sock.on('error', () => endResolve());
    onConn(sock);
  });
  const listening = new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve(undefined));
  });
  return {
    listening,
    connected,
    ended,
    close: () => {
      server.close();
      endResolve();
    },
  };
}
