import { invalidArgument } from '@dmabuf/core';
import type { ProcessRecord, SystemRead } from '../proc/read-system.js';
import { checkEntry, checkFilter, checkSystemRead } from './check-input.js';
import type { BufferEntry, ExporterTotal, Holder, ProcessTotal, Snapshot } from './types.js';

/** Only buffers held by these pids and/or made by these exporters. */
export interface SnapshotFilter {
  /** Keep buffers held (by fd or mapping) by one of these processes; omitted: any process. */
  pids?: readonly number[];
  /** Keep buffers whose exporter (exp_name) is one of these; omitted: any exporter. */
  exporters?: readonly string[];
}

function holderOf(entry: BufferEntry, p: ProcessRecord): Holder {
  let h = entry.holders.find((x) => x.pid === p.pid);
  if (!h) {
    h = { pid: p.pid, command: p.command, fds: [], mappings: 0, mappedBytes: 0 };
    entry.holders.push(h);
  }
  return h;
}

function entryOf(byIno: Map<number, BufferEntry>, ino: number): BufferEntry {
  let e = byIno.get(ino);
  if (!e) {
    e = { ino, holders: [], seenIn: [] };
    byIno.set(ino, e);
  }
  return e;
}

function seen(e: BufferEntry, source: BufferEntry['seenIn'][number]): void {
  if (!e.seenIn.includes(source)) e.seenIn.push(source);
}

/** Merge fdinfo, maps and bufinfo into one entry per buffer (by inode), with totals. */
export function buildSnapshot(read: SystemRead, filter: SnapshotFilter = {}, now = new Date()): Snapshot {
  checkSystemRead(read);
  checkFilter(filter);
  if (!(now instanceof Date) || Number.isNaN(now.getTime()))
    throw invalidArgument('now', 'a valid Date', now);
  const byIno = new Map<number, BufferEntry>();
  for (const p of read.processes) {
    for (const f of p.fds) {
      const e = entryOf(byIno, f.ino);
      e.exporter = f.exporter;
      e.size = f.size;
      if (f.name !== undefined) e.name = f.name;
      if (f.count !== undefined) e.kernelCount = f.count;
      holderOf(e, p).fds.push(f.fd);
      seen(e, 'fdinfo');
    }
    for (const m of p.mappings) {
      const e = entryOf(byIno, m.ino);
      if (m.name !== undefined && e.name === undefined) e.name = m.name;
      const h = holderOf(e, p);
      h.mappings++;
      h.mappedBytes += m.bytes;
      seen(e, 'maps');
    }
  }
  for (const k of read.kernel?.buffers ?? []) {
    const e = entryOf(byIno, k.ino);
    e.exporter = k.exporter;
    e.size = k.size;
    if (k.name !== undefined) e.name = k.name;
    e.kernelCount = k.count;
    e.attached = k.attached;
    seen(e, 'bufinfo');
  }
  let buffers = [...byIno.values()].sort((a, b) => a.ino - b.ino);
  for (const b of buffers) b.holders.sort((x, y) => x.pid - y.pid);
  if (filter.pids?.length) {
    const want = new Set(filter.pids);
    buffers = buffers.filter((b) => b.holders.some((h) => want.has(h.pid)));
  }
  if (filter.exporters?.length) {
    const want = new Set(filter.exporters);
    buffers = buffers.filter((b) => b.exporter !== undefined && want.has(b.exporter));
  }
  const processes = processTotals(read, buffers, filter.pids);
  return {
    time: now.toISOString(),
    uid: read.uid,
    buffers,
    processes,
    exporters: exporterTotals(buffers),
    totals: { buffers: buffers.length, bytes: sum(buffers.map(bytesOf)) },
    kernelList: read.kernel !== undefined,
    notRead: read.unreadable.map((u) => ({ ...u })),
  };
}

/** A buffer's size, or, when unknown, the most any holder maps of it. */
export function bytesOf(b: BufferEntry): number {
  checkEntry(b);
  return b.size ?? Math.max(0, ...b.holders.map((h) => h.mappedBytes));
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function processTotals(
  read: SystemRead,
  buffers: BufferEntry[],
  pids: readonly number[] | undefined,
): ProcessTotal[] {
  const byPid = new Map<number, ProcessTotal>();
  const uidOf = new Map(read.processes.map((p) => [p.pid, p.uid]));
  for (const b of buffers) {
    for (const h of b.holders) {
      if (pids?.length && !pids.includes(h.pid)) continue;
      let t = byPid.get(h.pid);
      if (!t) {
        t = {
          pid: h.pid,
          command: h.command,
          uid: uidOf.get(h.pid) ?? -1,
          buffers: 0,
          fds: 0,
          mappings: 0,
          mappedBytes: 0,
          bytes: 0,
        };
        byPid.set(h.pid, t);
      }
      t.buffers++;
      t.fds += h.fds.length;
      t.mappings += h.mappings;
      t.mappedBytes += h.mappedBytes;
      t.bytes += b.size ?? h.mappedBytes;
    }
  }
  return [...byPid.values()].sort((a, b) => b.bytes - a.bytes || a.pid - b.pid);
}

function exporterTotals(buffers: BufferEntry[]): ExporterTotal[] {
  const by = new Map<string, ExporterTotal>();
  for (const b of buffers) {
    const name = b.exporter ?? '?';
    const t = by.get(name) ?? { exporter: name, buffers: 0, bytes: 0 };
    t.buffers++;
    t.bytes += bytesOf(b);
    by.set(name, t);
  }
  return [...by.values()].sort((a, b) => b.bytes - a.bytes || a.exporter.localeCompare(b.exporter));
}
