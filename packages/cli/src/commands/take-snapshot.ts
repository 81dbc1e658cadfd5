import { buildSnapshot, type SnapshotFilter } from '../model/build-snapshot.js';
import type { Snapshot } from '../model/types.js';
import { type ReadOptions, readSystem } from '../proc/read-system.js';

/** Read the system and build the snapshot `ls` and `watch` show. */
export function takeSnapshot(filter: SnapshotFilter, read: ReadOptions = {}): Snapshot {
  return buildSnapshot(
    readSystem({ ...read, ...(filter.pids?.length ? { pids: filter.pids } : {}) }),
    filter,
  );
}
