import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BufferChannel, Framework } from '@dmabuf/core';
import { expect, it } from 'vitest';
import { udmabufPlugin } from '../src/index.js';
import { labSuite } from './lab.js';

const here = new URL('.', import.meta.url).pathname;
const SIZE = 1024 * 1024 + 3 * 4096;

/**
 * What this process has open, sockets counted once per socket: the channel
 * watches its socket through a duplicate opened at its first wait for a
 * message, which is the channel's, not a leak of the buffer's.
 */
function fdsBesidesChannel(): string[] {
  const out = new Set<string>();
  for (const f of readdirSync('/proc/self/fd')) {
    try {
      const what = readlinkSync(`/proc/self/fd/${f}`);
      out.add(what.startsWith('socket:') ? what : `${f} ${what}`);
    } catch {
      // the fd of the listing itself
    }
  }
  return [...out].sort();
}

labSuite('udmabuf across processes (lab)', () => {
  it('producer exports and fills, consumer recognises, checks every byte and answers; no fd left either side', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'udmabuf-xproc-'));
    const socket = join(dir, 'channel.sock');
    const plugin = udmabufPlugin();
    const framework = await Framework.create({ plugins: [plugin] });
    plugin.exporter.device.fd();
    try {
      await using server = BufferChannel.listen(socket, { framework });
      const child = spawn(
        process.execPath,
        [
          join(here, 'fixtures', 'consumer.mjs'),
          socket,
          join(here, '..', 'dist', 'index.js'),
          'udmabufPlugin',
        ],
        {
          stdio: ['ignore', 'inherit', 'inherit'],
        },
      );
      const exited = new Promise<number | null>((r) => child.on('exit', r));
      await using peer = await server.accept({ timeoutMs: 60_000 });
      expect(peer.credentials.pid).toBe(child.pid);
      await peer.sendMessage('hello');
      expect(await peer.receive({ timeoutMs: 60_000 })).toEqual({ message: 'ready' });
      const before = fdsBesidesChannel();

      {
        using buf = framework.export({ exporter: 'udmabuf', size: SIZE, name: 'xproc' });
        const seed = 0x3c;
        {
          using w = buf.cpuAccess('write');
          const bytes = w.bytes;
          for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + seed) & 0xff;
        }
        await peer.send(buf, { seed });
        const reply = await peer.receive({ timeoutMs: 60_000 });
        expect('message' in reply).toBe(true);
        const report = (reply as { message: Record<string, unknown> }).message;
        expect(report).toMatchObject({
          exporter: 'udmabuf',
          expName: 'udmabuf',
          senderExporter: 'udmabuf',
          size: SIZE,
          checked: SIZE,
          bad: -1,
        });
        expect(report.newFds).toEqual([]);
        expect(report.goneFds).toEqual([]);
        using r = buf.cpuAccess('read');
        const answer = new TextDecoder().decode(r.bytes.subarray(0, 64)).replace(/\0+$/, '');
        expect(answer).toBe(`ok ${child.pid} ${SIZE}`);
        expect(r.bytes[64]).toBe((64 * 7 + seed) & 0xff);
      }
      expect(fdsBesidesChannel()).toEqual(before);
      peer.close();
      expect(await exited).toBe(0);
    } finally {
      await framework.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(plugin.exporter.stats).toEqual({ buffers: 0, attachments: 0, mappings: 0, cpuAccess: 0 });
  });
});
