import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BufferChannel,
  type ChannelServer,
  Framework,
  openFdCount,
  type PeerRefusedError,
} from '../src/index.js';
import { native } from '../src/native.js';
import { memfdExporterPlugin } from '../src/testing/index.js';

const fixture = fileURLToPath(new URL('./fixtures/channel-child.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** The byte the child wrote at offset k of buffer i (same formula as the fixture). */
const patternByte = (i: number, k: number) => (i * 131 + k * 7 + (k >> 12)) & 0xff;

interface Child {
  pid: number;
  kill(signal: NodeJS.Signals): void;
  /** Resolves with stdout once the process exited and its pipes closed. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function runChild(...args: string[]): Child {
  const p = spawn(process.execPath, [fixture, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d) => (stdout += d));
  p.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { pid: p.pid!, kill: (s) => p.kill(s), done };
}

function closeServer(server: ChannelServer): void {
  server.close();
}

describe('BufferChannel between two node processes', () => {
  let fw: Framework;
  let dir: string;
  beforeAll(async () => {
    if (!existsSync(dist))
      throw new Error(
        'the child process runs the built package: run `pnpm --filter @dmabuf/core build` first',
      );
    fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
    dir = mkdtempSync(join(tmpdir(), 'dmabuf-xproc-'));
  });
  afterAll(async () => {
    await fw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes buffers with SCM_RIGHTS: metadata and every byte arrive, replies go back, fds stable on both sides', async () => {
    const path = join(dir, 'send.sock');
    const before = openFdCount();
    const server = BufferChannel.listen(path, { framework: fw });
    const count = 12;
    const child = runChild('send', path, String(count));
    const peer = await server.accept({ timeoutMs: 15000 });
    expect(peer.credentials).toEqual({ pid: child.pid, uid: process.getuid!(), gid: process.getgid!() });
    for (let i = 0; i < count; i++) {
      const m = await peer.receive({ timeoutMs: 15000 });
      if (!('buffer' in m)) throw new Error(`expected a buffer, got ${JSON.stringify(m)}`);
      const { buffer, meta } = m;
      expect(meta).toEqual({ i, size: buffer.size });
      expect(m.exporter).toBe('memfd-test');
      expect(buffer.exporter.name).toBe('memfd-test');
      if (i % 3 === 0) {
        expect(buffer.layout).toMatchObject({
          width: 32 + i,
          height: 8 + (i % 5),
          format: 'XR24',
          modifier: 0n,
        });
        expect(buffer.layout.planes[0]!.pitch).toBe((32 + i) * 4);
      } else {
        expect(buffer.size).toBe(4096 * (1 + (i % 5)));
      }
      const access = buffer.cpuAccess('read');
      const bytes = access.bytes;
      let bad = -1;
      for (let k = 0; k < bytes.length; k++) {
        if (bytes[k] !== patternByte(i, k)) {
          bad = k;
          break;
        }
      }
      access.end();
      expect(bad, `buffer ${i}: first wrong byte`).toBe(-1);
      buffer.put();
      await peer.sendMessage({ ok: i });
    }
    const out = await child.done;
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const report = JSON.parse(out.stdout) as {
      pid: number;
      fdsBefore: number;
      fdsAfter: number;
      replies: unknown[];
    };
    expect(report.replies).toEqual(Array.from({ length: count }, (_, i) => ({ ok: i })));
    expect(report.fdsAfter).toBe(report.fdsBefore);
    // the child is gone: the channel ends
    await expect(peer.receive()).rejects.toMatchObject({ code: 'ECONNRESET' });
    peer.close();
    closeServer(server);
    expect(fw.buffers()).toHaveLength(0);
    expect(native().liveMappings()).toBe(0);
    expect(openFdCount()).toBe(before);
  });

  it('a sender killed with SIGKILL mid-stream leaves no fd behind', async () => {
    const path = join(dir, 'stream.sock');
    const before = openFdCount();
    const server = BufferChannel.listen(path, { framework: fw });
    const child = runChild('stream', path);
    const peer = await server.accept({ timeoutMs: 15000 });
    let received = 0;
    let killed = false;
    for await (const m of peer) {
      if ('buffer' in m) m.buffer.put();
      received++;
      // replies the child never reads: it dies with unread data (ECONNRESET here, then the rest of its messages)
      if (received % 50 === 0 && !killed) await peer.sendMessage({ ack: received });
      if (received === 200 && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    }
    const out = await child.done;
    expect(out.signal).toBe('SIGKILL');
    expect(received).toBeGreaterThanOrEqual(200);
    expect(peer.ended).toBe(true);
    peer.close();
    closeServer(server);
    expect(fw.buffers()).toHaveLength(0);
    expect(openFdCount()).toBe(before);
  });

  it('refuses a process the allow-list rejects (by pid, by uid): EACCES in the child, the refused event here', async () => {
    const before = openFdCount();
    for (const [name, allow] of [
      ['by-pid', (c: { pid: number }) => c.pid === process.pid],
      ['by-uid', { uids: [process.getuid!() + 4242] }],
    ] as const) {
      const path = join(dir, `${name}.sock`);
      const server = BufferChannel.listen(path, { framework: fw, allow });
      const refused = new Promise<PeerRefusedError>((r) => server.once('refused', r));
      const accepting = server.accept().catch((e: unknown) => e);
      const child = runChild('refused', path);
      const err = await refused;
      expect(err).toMatchObject({ code: 'EACCES', credentials: { pid: child.pid } });
      const out = await child.done;
      expect(out.stderr).toBe('');
      const report = JSON.parse(out.stdout) as {
        name: string;
        code: string;
        message: string;
        fdsBefore: number;
        fdsAfter: number;
      };
      expect(report).toMatchObject({ name: 'PeerRefusedError', code: 'EACCES' });
      expect(report.message).toMatch(name === 'by-pid' ? /allow function refused/ : /not in allow.uids/);
      expect(report.fdsAfter).toBe(report.fdsBefore);
      closeServer(server);
      await expect(accepting).resolves.toMatchObject({ code: 'ECANCELED' });
    }
    expect(openFdCount()).toBe(before);
  });
});
