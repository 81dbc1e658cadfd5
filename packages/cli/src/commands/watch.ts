import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT, type Io } from '../cli/io.js';
import { type CommandSpec, HELP_OPTION, type OptionValues } from '../cli/spec.js';
import type { SnapshotFilter } from '../model/build-snapshot.js';
import type { Snapshot } from '../model/types.js';
import { formatBytes, formatDelta } from '../render/bytes.js';
import { FILTER_OPTIONS, filterOf, WATCH_OPTIONS, type WatchSettings, watchSettingsOf } from './filters.js';
import { takeSnapshot } from './take-snapshot.js';

/** One sample of `watch`: the totals, and by how much they moved since the previous sample. */
export interface WatchSample {
  time: string;
  buffers: number;
  bytes: number;
  deltaBuffers: number;
  deltaBytes: number;
  exporters: Record<string, { buffers: number; bytes: number }>;
  processes: { pid: number; command: string; buffers: number; bytes: number }[];
}

export function sampleOf(s: Snapshot, previous: WatchSample | undefined): WatchSample {
  return {
    time: s.time,
    buffers: s.totals.buffers,
    bytes: s.totals.bytes,
    deltaBuffers: previous ? s.totals.buffers - previous.buffers : 0,
    deltaBytes: previous ? s.totals.bytes - previous.bytes : 0,
    exporters: Object.fromEntries(
      s.exporters.map((e) => [e.exporter, { buffers: e.buffers, bytes: e.bytes }]),
    ),
    processes: s.processes.map((p) => ({
      pid: p.pid,
      command: p.command,
      buffers: p.buffers,
      bytes: p.bytes,
    })),
  };
}

export function sampleLine(x: WatchSample): string {
  const exporters = Object.entries(x.exporters)
    .map(([name, t]) => `${name} ${t.buffers}/${formatBytes(t.bytes)}`)
    .join('  ');
  const delta = `${x.deltaBuffers >= 0 ? '+' : ''}${x.deltaBuffers} buf, ${formatDelta(x.deltaBytes)}`;
  return `${x.time.slice(11, 19)}  ${x.buffers} buffers  ${formatBytes(x.bytes)}  (${delta})${exporters ? `  ${exporters}` : ''}`;
}

/** What the whole run saw: first and last totals, and whether bytes grew at every sample (a leak's signature). */
export function summaryLine(samples: readonly WatchSample[]): string {
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const grewEvery = samples.length > 2 && samples.slice(1).every((s) => s.deltaBytes > 0);
  return (
    `${samples.length} samples: ${first.buffers} → ${last.buffers} buffers, ${formatBytes(first.bytes)} → ${formatBytes(last.bytes)} (${formatDelta(last.bytes - first.bytes)})` +
    (grewEvery ? '; grew at every sample: a leak? (dmabuf ls shows who holds what)' : '')
  );
}

/** Sample `count` times, `intervalMs` apart; text lines or JSON lines (one object per sample). */
export async function watchLoop(
  filter: SnapshotFilter,
  settings: WatchSettings,
  json: boolean,
  io: Io,
): Promise<number> {
  const samples: WatchSample[] = [];
  for (let i = 0; i < settings.count; i++) {
    if (i > 0) await sleep(settings.intervalMs);
    const sample = sampleOf(takeSnapshot(filter), samples[samples.length - 1]);
    samples.push(sample);
    io.out(json ? `${JSON.stringify(sample)}\n` : `${sampleLine(sample)}\n`);
    if (samples.length > 1000) samples.splice(1, 1); // keep the first and the recent ones
  }
  if (!json && samples.length > 1) io.out(`${summaryLine(samples)}\n`);
  return EXIT.ok;
}

async function run(values: OptionValues, io: Io): Promise<number> {
  return await watchLoop(filterOf(values), watchSettingsOf(values), values.json === true, io);
}

export const watchCommand: CommandSpec = {
  name: 'watch',
  summary: 'print the dma-buf totals (buffers, bytes, per exporter) over time, to catch a leak',
  details: [
    'One line per sample with the change since the previous one; with --json one JSON object per line.',
    'Stops after --count samples, or at Ctrl-C.',
  ],
  options: [...FILTER_OPTIONS, ...WATCH_OPTIONS, HELP_OPTION],
  run,
};
