import type { NotRead } from '../model/types.js';

function hintFor(n: NotRead): string {
  if (n.what === 'bufinfo') {
    if (n.code === 'ENOENT')
      return 'debugfs is not mounted (as root: mount -t debugfs none /sys/kernel/debug) or the kernel has no CONFIG_DEBUG_FS';
    if (n.code === 'EACCES' || n.code === 'EPERM')
      return 'debugfs is readable by root only: run as root to list buffers no readable process holds';
    return `read failed (${n.code})`;
  }
  return '';
}

/**
 * What could not be read, as lines: processes grouped by owner and errno
 * ("fds and maps of 85 processes of uid 0 (EACCES)"), and debugfs with what
 * to do about it.
 */
export function describeNotRead(notRead: readonly NotRead[]): string[] {
  const lines: string[] = [];
  const groups = new Map<string, Set<number>>();
  for (const n of notRead) {
    if (n.what === 'bufinfo') continue;
    const key = `${n.code}\u0000${n.uid ?? -1}`;
    const set = groups.get(key) ?? new Set<number>();
    set.add(n.pid ?? -1);
    groups.set(key, set);
  }
  for (const [key, pids] of groups) {
    const [code, uid] = key.split('\u0000') as [string, string];
    const which = notRead.filter((n) => n.code === code && String(n.uid ?? -1) === uid);
    const what = [...new Set(which.map((n) => n.what))].join(' and ');
    const hint =
      code === 'EACCES' || code === 'EPERM'
        ? ': processes of other users; run as root (or as their user) to see their buffers'
        : '';
    lines.push(
      `${what} of ${pids.size} process${pids.size === 1 ? '' : 'es'} of uid ${uid} (${code})${hint}`,
    );
  }
  for (const n of notRead) if (n.what === 'bufinfo') lines.push(`kernel bufinfo (${n.code}): ${hintFor(n)}`);
  return lines;
}
