import { EXIT, type Io } from '../cli/io.js';
import { type CommandSpec, HELP_OPTION, type OptionValues } from '../cli/spec.js';
import { renderLs } from '../render/ls-text.js';
import { FILTER_OPTIONS, filterOf, WATCH_OPTIONS, watchSettingsOf } from './filters.js';
import { takeSnapshot } from './take-snapshot.js';
import { watchLoop } from './watch.js';

async function run(values: OptionValues, io: Io): Promise<number> {
  const filter = filterOf(values);
  if (values.watch) return await watchLoop(filter, watchSettingsOf(values), values.json === true, io);
  if (values.interval !== undefined || values.count !== undefined) watchSettingsOf(values); // still validated: a bad value is a usage error, not silently ignored
  const gone = (filter.pids ?? []).filter((pid) => !processExists(pid));
  if (gone.length) {
    io.err(`dmabuf ls: no process ${gone.join(', ')}\n`);
    return EXIT.failure;
  }
  const snapshot = takeSnapshot(filter);
  io.out(values.json ? `${JSON.stringify(snapshot, null, 2)}\n` : renderLs(snapshot));
  return EXIT.ok;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const lsCommand: CommandSpec = {
  name: 'ls',
  summary:
    'list every dma-buf: its inode, exporter, name, size, and the processes holding it by fd or mapping',
  details: [
    'Sources: /proc/PID/fd + fdinfo (dma-buf fds), /proc/PID/maps (/dmabuf: mappings) and, when',
    'readable (root, debugfs mounted), /sys/kernel/debug/dma_buf/bufinfo, which also lists buffers no',
    'process holds by fd or mapping (held by drivers) and their attached devices.',
    "As a normal user only that user's processes can be read; what was not read is said at the end.",
    'Exit code 1 when a --pid names no process.',
  ],
  options: [
    ...FILTER_OPTIONS,
    {
      name: 'watch',
      short: 'w',
      type: 'boolean',
      description: 'print the totals over time (as dmabuf watch)',
    },
    ...WATCH_OPTIONS,
    HELP_OPTION,
  ],
  run,
};
