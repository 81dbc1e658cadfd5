import type { BufferEntry, Holder, Snapshot } from '../model/types.js';
import { formatBytes } from './bytes.js';
import { describeNotRead } from './not-read.js';
import { table } from './table.js';

function holderText(h: Holder): string {
  const parts: string[] = [];
  if (h.fds.length) parts.push(`fd ${h.fds.join(',')}`);
  if (h.mappings) parts.push(`${h.mappings} map${h.mappings === 1 ? '' : 's'} ${formatBytes(h.mappedBytes)}`);
  return `${h.pid} ${h.command} (${parts.join('; ')})`;
}

function heldBy(b: BufferEntry): string {
  if (b.holders.length) return b.holders.map(holderText).join(', ');
  return b.kernelCount !== undefined
    ? `no readable process (kernel count ${b.kernelCount})`
    : 'no readable process';
}

/** `dmabuf ls` as text: buffers, per-process and per-exporter totals, and what could not be read. */
export function renderLs(s: Snapshot): string {
  const out: string[] = [];
  if (!s.buffers.length) {
    out.push('No dma-buf found.');
  } else {
    out.push(
      table(
        ['INODE', 'EXPORTER', 'SIZE', 'NAME', 'HELD BY'],
        s.buffers.map((b) => [
          String(b.ino),
          b.exporter ?? '?',
          b.size === undefined ? '?' : formatBytes(b.size),
          b.name ?? '-',
          heldBy(b),
        ]),
      ),
    );
    if (s.processes.length) {
      out.push('', 'Per process:');
      out.push(
        table(
          ['PID', 'COMMAND', 'BUFFERS', 'FDS', 'MAPS', 'MAPPED', 'BYTES'],
          s.processes.map((p) => [
            String(p.pid),
            p.command,
            String(p.buffers),
            String(p.fds),
            String(p.mappings),
            formatBytes(p.mappedBytes),
            formatBytes(p.bytes),
          ]),
        ),
      );
    }
    out.push('', 'Per exporter:');
    out.push(
      table(
        ['EXPORTER', 'BUFFERS', 'BYTES'],
        s.exporters.map((e) => [e.exporter, String(e.buffers), formatBytes(e.bytes)]),
      ),
    );
  }
  out.push(
    '',
    `Total: ${s.totals.buffers} buffer${s.totals.buffers === 1 ? '' : 's'}, ${formatBytes(s.totals.bytes)}` +
      (s.kernelList ? ' (with the kernel bufinfo list)' : ' (from the processes that could be read)'),
  );
  const notRead = describeNotRead(s.notRead);
  if (notRead.length) out.push('Not read:', ...notRead.map((l) => `  ${l}`));
  return `${out.join('\n')}\n`;
}
