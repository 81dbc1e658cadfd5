import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAddon } from './load-addon.js';

/** Stat fields the core needs from fstat. */
export interface RawStat {
  dev: number;
  ino: number;
  mode: number;
  size: number;
  rdev: number;
}

/** Received message from recvFds: payload bytes plus the fds that came with it. */
export interface RawMessage {
  data: Uint8Array;
  fds: number[];
  /** true when the kernel truncated fds (MSG_CTRUNC): the sender sent more than we accept. */
  truncated: boolean;
}

/**
 * The core addon. Every function takes already-validated integers and
 * returns a negative errno on failure instead of throwing.
 */
export interface CoreAddon {
  dup(fd: number): number;
  close(fd: number): number;
  fstat(fd: number): RawStat | number;
  lseek(fd: number, offset: number, whence: number): number;
  getFdFlags(fd: number): number;

  mmap(fd: number, offset: number, length: number, prot: number): ArrayBuffer | number;
  munmap(buffer: ArrayBuffer): number;
  liveMappings(): number;
  PROT_READ: number;
  PROT_WRITE: number;

  memfdCreate(name: string, flags: number): number;
  ftruncate(fd: number, size: number): number;
  addSeals(fd: number, seals: number): number;
  getSeals(fd: number): number;
  pwrite(fd: number, data: Uint8Array, offset: number): number;
  pread(fd: number, data: Uint8Array, offset: number): number;
  memfd: {
    MFD_ALLOW_SEALING: number;
    MFD_HUGETLB: number;
    F_SEAL_SEAL: number;
    F_SEAL_SHRINK: number;
    F_SEAL_GROW: number;
    F_SEAL_WRITE: number;
  };

  sync(fd: number, flags: number): number;
  setName(fd: number, name: string): number;
  exportSyncFile(fd: number, flags: number): number;
  importSyncFile(fd: number, flags: number, syncFd: number): number;
  dmaBufSync: { READ: number; WRITE: number; RW: number; START: number; END: number };
}

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

let addon: CoreAddon | undefined;

/** The core addon, loaded on first use. */
export function native(): CoreAddon {
  addon ??= loadAddon<CoreAddon>(packageRoot, '@dmabuf/core');
  return addon;
}
