import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeProcess {
  pid: number;
  comm: string;
  /** fd number → [link target, fdinfo text] */
  fds?: Record<number, [string, string]>;
  maps?: string;
  /** Make the fd folder unreadable (a file, so readdir fails with ENOTDIR even as root). */
  hideFds?: boolean;
}

/** A /proc-shaped folder: PID/comm, PID/fd/N symlinks, PID/fdinfo/N, PID/maps. */
export function fakeProc(processes: FakeProcess[]): { root: string; [Symbol.dispose](): void } {
  const root = mkdtempSync(join(tmpdir(), 'dmabuf-cli-proc-'));
  for (const p of processes) {
    const dir = join(root, String(p.pid));
    mkdirSync(join(dir, 'fdinfo'), { recursive: true });
    writeFileSync(join(dir, 'comm'), `${p.comm}\n`);
    writeFileSync(join(dir, 'maps'), p.maps ?? '');
    if (p.hideFds) writeFileSync(join(dir, 'fd'), '');
    else {
      mkdirSync(join(dir, 'fd'));
      for (const [fd, [link, info]] of Object.entries(p.fds ?? {})) {
        symlinkSync(link, join(dir, 'fd', fd));
        writeFileSync(join(dir, 'fdinfo', fd), info);
      }
    }
  }
  mkdirSync(join(root, 'self'));
  return { root, [Symbol.dispose]: () => rmSync(root, { recursive: true, force: true }) };
}
