// The floor of fd passing from JS: sender and receiver call the core's native
// sendmsg/recvmmsg/closeFdsIn functions directly and spin on EAGAIN — no
// BufferChannel, no framework, no event loop. Same message text and memfd pool as ours.
//   node fdpass-raw.js <count>            receiver: prints {"rate"} (fds/s)
//   node fdpass-raw.js send <path> <count> (started by the receiver)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// the raw addon is not part of the public API: this bench lives in the package and takes it from dist
import { native } from '../dist/native.js';

const n = native();
const EAGAIN = -11;

if (process.argv[2] === 'send') {
  const [path, countArg] = process.argv.slice(3);
  const count = Number(countArg);
  let fd = -1;
  while (fd < 0) fd = n.unixConnect(path);
  const pool = [0, 1, 2, 3].map(() => n.memfdCreate('fdpass-raw', n.memfd.MFD_ALLOW_SEALING));
  const head =
    '{"l":{"size":65536,"planes":[{"offset":0,"pitch":65536,"size":65536}]},"e":"memfd-test","x":"memfd"}';
  for (let i = 0; i < count; i++) {
    const text = `B${head}\n1:${i & 3}\n{"i":${i}}`;
    for (;;) {
      const r = n.sendMessage(fd, text, [pool[i & 3]]);
      if (r >= 0) break;
      if (r !== EAGAIN) throw new Error(`sendmsg: ${r}`);
    }
  }
  // the receiver kills this process when it has everything
  setInterval(() => {}, 1000);
} else {
  const count = Number(process.argv[2] ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'dmabuf-fdpass-raw-'));
  const path = join(dir, 'raw.sock');
  const listener = n.unixListen(path, 4);
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'send', path, String(count)], {
    stdio: 'inherit',
  });
  let s = -1;
  while (s < 0) s = n.unixAccept(listener);
  let got = 0;
  // the count, then flags, text length and fd count of each message read, then all their fds (see native receiveMessages)
  const meta = new Int32Array(97 + 32 * 16);
  const t0 = performance.now();
  while (got < count) {
    const r = n.receiveMessages(s, 32, meta);
    if (typeof r === 'number') {
      if (r !== EAGAIN) throw new Error(`recvmsg: ${r}`);
      continue;
    }
    let end = 97;
    for (let i = 0; i < meta[0]; i++) end += meta[3 + 3 * i];
    got += meta[0];
    n.closeFdsIn(meta, 97, end);
  }
  const rate = (count / (performance.now() - t0)) * 1000;
  child.kill();
  n.close(s);
  n.close(listener);
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ rate }));
}
