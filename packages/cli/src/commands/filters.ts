import { intList, numberOption, wordList } from '../cli/parse.js';
import type { OptionSpec, OptionValues } from '../cli/spec.js';
import type { SnapshotFilter } from '../model/build-snapshot.js';

export const FILTER_OPTIONS: OptionSpec[] = [
  {
    name: 'pid',
    short: 'p',
    type: 'string',
    multiple: true,
    value: 'PID[,PID]',
    description: 'only buffers these processes hold (by fd or mapping); repeatable',
  },
  {
    name: 'exporter',
    short: 'e',
    type: 'string',
    multiple: true,
    value: 'NAME[,NAME]',
    description:
      'only buffers of these exporters (exp_name: udmabuf, system, drm, virtio_gpu, ...); repeatable',
  },
  { name: 'json', type: 'boolean', description: 'print JSON instead of text' },
];

export const WATCH_OPTIONS: OptionSpec[] = [
  {
    name: 'interval',
    short: 'i',
    type: 'string',
    value: 'SECONDS',
    description: 'seconds between samples (default 2; 0.1 to 3600)',
  },
  {
    name: 'count',
    short: 'n',
    type: 'string',
    value: 'N',
    description: 'stop after N samples (default: until interrupted)',
  },
];

export function filterOf(values: OptionValues): SnapshotFilter {
  return { pids: intList('pid', values.pid), exporters: wordList('exporter', values.exporter) };
}

export interface WatchSettings {
  intervalMs: number;
  count: number;
}

export function watchSettingsOf(values: OptionValues): WatchSettings {
  return {
    intervalMs: numberOption('interval', values.interval, 2, 0.1, 3600) * 1000,
    count: numberOption('count', values.count, Number.POSITIVE_INFINITY, 1, 1e9, true),
  };
}
