import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { assertObject, assertPositive, assertString, invalidArgument } from '@dmabuf/core';
import { type KernelBufInfo, parseBufInfo } from './parse-bufinfo.js';
import { type DmaBufFdInfo, parseFdInfo } from './parse-fdinfo.js';
import { type DmaBufMapping, parseDmaBufMaps } from './parse-maps.js';

/** Where to read from: the real /proc and debugfs by default (tests point these at a fake tree). */
export interface ReadOptions {
  /** Where procfs is; default '/proc'. */
  proc?: string;
  /** The bufinfo file to read; default '/sys/kernel/debug/dma_buf/bufinfo'. */
  bufinfo?: string;
  /** Only these processes (others are not read at all). */
  pids?: readonly number[];
}

function checkReadOptions(options: unknown): asserts options is ReadOptions {
  assertObject('options', options);
  const o = options as Record<string, unknown>;
  if (o.proc !== undefined) assertString('options.proc', o.proc, 4096);
  if (o.bufinfo !== undefined) assertString('options.bufinfo', o.bufinfo, 4096);
  if (o.pids !== undefined) {
    if (!Array.isArray(o.pids)) throw invalidArgument('options.pids', 'an array of pids', o.pids);
    o.pids.forEach((p, i) => {
      assertPositive(`options.pids[${i}]`, p, 2 ** 22);
    });
  }
}

/** Where /proc is (tests point it elsewhere). */
export const PROC = '/proc';
/** The kernel's debugfs list of every dma-buf (root only, debugfs mounted). */
export const BUFINFO = '/sys/kernel/debug/dma_buf/bufinfo';

/** One dma-buf fd of a process. */
export interface HeldFd extends DmaBufFdInfo {
  /** The fd number in that process. */
  fd: number;
}

/** What one process holds. */
export interface ProcessRecord {
  /** The process id. */
  pid: number;
  /** Its command name (/proc/<pid>/comm). */
  command: string;
  /** The uid owning its /proc entry. */
  uid: number;
  /** Its dma-buf fds (empty when fd/ could not be read: see Unreadable). */
  fds: HeldFd[];
  /** Its dma-buf mappings (empty when maps could not be read). */
  mappings: DmaBufMapping[];
}

/** Something that could not be read, and why (an errno code). */
export interface Unreadable {
  /** The process whose entry could not be read; undefined for bufinfo. */
  pid?: number;
  /** Its command name; undefined for bufinfo. */
  command?: string;
  /** The uid owning it; undefined for bufinfo. */
  uid?: number;
  /** What could not be read: a process's fd/ and fdinfo, its maps, or the kernel's bufinfo. */
  what: 'fds' | 'maps' | 'bufinfo';
  /** Why: the errno code ('EACCES' for another user's process, 'ENOENT' without debugfs, ...). */
  code: string;
}

/** Everything read in one pass. */
export interface SystemRead {
  /** The processes read (also those holding no dma-buf), in pid order or the order of options.pids; gone ones are left out. */
  processes: ProcessRecord[];
  /** The kernel's list, when debugfs was readable. */
  kernel?: KernelBufInfo;
  /** What could not be read, so the picture is partial. */
  unreadable: Unreadable[];
  /** The uid this ran as. */
  uid: number;
}

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? 'EIO';
}

/** The /proc entries that are processes, in pid order. */
function listPids(proc: string): number[] {
  return readdirSync(proc)
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

function readFds(dir: string): HeldFd[] {
  const out: HeldFd[] = [];
  for (const name of readdirSync(`${dir}/fd`)) {
    let link: string;
    try {
      link = readlinkSync(`${dir}/fd/${name}`);
    } catch {
      continue; // closed meanwhile
    }
    if (!link.startsWith('/dmabuf:')) continue;
    let info: DmaBufFdInfo | undefined;
    try {
      info = parseFdInfo(readFileSync(`${dir}/fdinfo/${name}`, 'utf8'));
    } catch {
      continue;
    }
    if (info) out.push({ fd: Number(name), ...info });
  }
  return out.sort((a, b) => a.fd - b.fd);
}

/** Read one process; undefined when it is gone. */
function readProcess(proc: string, pid: number, unreadable: Unreadable[]): ProcessRecord | undefined {
  const dir = `${proc}/${pid}`;
  let uid: number;
  let command: string;
  try {
    uid = statSync(dir).uid;
    command = readFileSync(`${dir}/comm`, 'utf8').trim();
  } catch {
    return undefined; // exited while we looked
  }
  const record: ProcessRecord = { pid, command, uid, fds: [], mappings: [] };
  try {
    record.fds = readFds(dir);
  } catch (e) {
    if (errCode(e) === 'ENOENT') return undefined;
    unreadable.push({ pid, command, uid, what: 'fds', code: errCode(e) });
  }
  try {
    record.mappings = parseDmaBufMaps(readFileSync(`${dir}/maps`, 'utf8'));
  } catch (e) {
    if (errCode(e) === 'ENOENT') return undefined;
    unreadable.push({ pid, command, uid, what: 'maps', code: errCode(e) });
  }
  return record;
}

/**
 * Read every process's dma-buf fds (/proc/PID/fd + fdinfo) and mappings
 * (/proc/PID/maps), and the kernel's bufinfo when debugfs is readable.
 * What could not be read (other users' processes as a normal user, debugfs
 * not mounted or root only) is listed, not thrown.
 */
export function readSystem(options: ReadOptions = {}): SystemRead {
  checkReadOptions(options);
  const proc = options.proc ?? PROC;
  const unreadable: Unreadable[] = [];
  const pids = options.pids ? [...options.pids] : listPids(proc);
  const processes: ProcessRecord[] = [];
  for (const pid of pids) {
    const r = readProcess(proc, pid, unreadable);
    if (r) processes.push(r);
  }
  const out: SystemRead = { processes, unreadable, uid: process.getuid?.() ?? -1 };
  try {
    out.kernel = parseBufInfo(readFileSync(options.bufinfo ?? BUFINFO, 'utf8'));
  } catch (e) {
    unreadable.push({ what: 'bufinfo', code: errCode(e) });
  }
  return out;
}
