import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { BufferChannel } from '../channel/buffer-channel.js';
import { type ExportOptions, Framework } from '../framework.js';
import type { DmaBufPlugin } from '../plugin.js';

/** One exporter's cross-process case. */
export interface CrossProcessCase {
  /** The module (a package's built entry) whose `factory` export makes the plugin, in both processes. */
  module: string;
  /** The name of that module's export: a function returning the DmaBufPlugin (called with no arguments). */
  factory: string;
  /** More export options (exporter, size and name are the suite's). */
  exportOptions?: Omit<ExportOptions, 'exporter' | 'size' | 'name'>;
  /** The kernel's exp_name the consumer must see. */
  expName: string;
}

const consumer = fileURLToPath(new URL('./cross-process-consumer.js', import.meta.url));
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

/**
 * Sharing across processes, the same for every exporter: a producer exports and
 * fills a buffer, sends it over a BufferChannel to a consumer node process that
 * recognises it, checks every byte, writes an answer into it and reports; no fd
 * is left on either side. `exporter` is the plugin's exporter name. Call inside a suite (e.g. a `labSuite`).
 */
export function describeCrossProcessSharing(exporter: string, c: CrossProcessCase): void {
  it(`${exporter}: producer exports and fills, consumer recognises, checks every byte and answers; no fd left either side`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmabuf-xproc-'));
    const socket = join(dir, 'channel.sock');
    const plugin: DmaBufPlugin & { exporter?: { stats?: object } } = (await import(c.module))[c.factory]();
    const framework = await Framework.create({ plugins: [plugin] });
    // Whatever the exporter opens at its first export (its device) is open before the fd snapshot.
    framework.export({ ...c.exportOptions, exporter, size: 4096 }).put();
    try {
      await using server = BufferChannel.listen(socket, { framework });
      const args = [consumer, socket, c.module, c.factory];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
      const exited = new Promise<number | null>((r) => child.on('exit', r));
      await using peer = await server.accept({ timeoutMs: 60_000 });
      expect(peer.credentials.pid).toBe(child.pid);
      await peer.sendMessage('hello');
      expect(await peer.receive({ timeoutMs: 60_000 })).toEqual({ message: 'ready' });
      const before = fdsBesidesChannel();

      {
        using buf = framework.export({ ...c.exportOptions, exporter, size: SIZE, name: 'xproc' });
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
          exporter,
          expName: c.expName,
          senderExporter: exporter,
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
    // The exporter's counters (when it keeps some): every one back to zero.
    expect(Object.entries(plugin.exporter?.stats ?? {}).filter(([, n]) => n !== 0)).toEqual([]);
  });
}
