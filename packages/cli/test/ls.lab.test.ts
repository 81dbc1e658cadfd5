import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import type { BufferEntry, Snapshot } from '../src/index.js';
import { BIN, dmabuf, holdBuffers, labSuite } from './lab.js';

const BUFINFO = '/sys/kernel/debug/dma_buf/bufinfo';

/** The kernel's own rows, read with a plain regex (not the parser under test): ino → [size, exp_name, name]. */
function kernelRows(): Map<number, { size: number; exporter: string; name: string; count: number }> {
  const rows = new Map();
  for (const m of readFileSync(BUFINFO, 'utf8').matchAll(/^(\d+)\t\w+\t\w+\t(\d+)\t(.+)\t(\d+)\t(.*)$/gm)) {
    rows.set(Number(m[4]), { size: Number(m[1]), count: Number(m[2]), exporter: m[3], name: m[5] });
  }
  return rows;
}

async function ls(...args: string[]): Promise<Snapshot> {
  const r = await dmabuf('ls', '--json', ...args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Snapshot;
}

const byIno = (s: Snapshot, ino: number): BufferEntry | undefined => s.buffers.find((b) => b.ino === ino);

labSuite('dmabuf ls (lab: buffers of other processes)', () => {
  it('lists buffers other processes hold by fd and by mapping only, as the kernel bufinfo does', async () => {
    await using byFd = await holdBuffers('fd', 3, 65536, 'cli-fd');
    await using byMap = await holdBuffers('map', 2, 131072, 'cli-map');
    const s = await ls();
    const kernel = kernelRows();
    expect(s.kernelList).toBe(true);
    expect(s.notRead.filter((n) => n.what === 'bufinfo')).toEqual([]);

    byFd.inos.forEach((ino, i) => {
      const b = byIno(s, ino)!;
      expect(b).toMatchObject({ exporter: 'udmabuf', size: 65536, name: `cli-fd-${i}` });
      expect(b.holders).toEqual([
        {
          pid: byFd.pid,
          command: 'node',
          fds: [expect.any(Number)],
          mappings: i === 0 ? 1 : 0,
          mappedBytes: i === 0 ? 65536 : 0,
        },
      ]);
      expect(b.seenIn).toEqual(i === 0 ? ['fdinfo', 'maps', 'bufinfo'] : ['fdinfo', 'bufinfo']);
    });
    byMap.inos.forEach((ino, i) => {
      const b = byIno(s, ino)!;
      // no fd anywhere: exporter and size come from the kernel's list
      expect(b).toMatchObject({
        exporter: 'udmabuf',
        size: 131072,
        name: `cli-map-${i}`,
        seenIn: ['maps', 'bufinfo'],
      });
      expect(b.holders).toEqual([
        { pid: byMap.pid, command: 'node', fds: [], mappings: 1, mappedBytes: 131072 },
      ]);
    });

    // every buffer of the kernel's list is listed, with the kernel's size, exporter, name and count
    expect(s.buffers.map((b) => b.ino).sort()).toEqual([...kernel.keys()].sort());
    for (const b of s.buffers) {
      const k = kernel.get(b.ino)!;
      expect([b.size, b.exporter, b.name ?? '<none>', b.kernelCount]).toEqual([
        k.size,
        k.exporter,
        k.name,
        k.count,
      ]);
      // the kernel counts at least every fd and mapping we saw
      const seen = b.holders.reduce((n, h) => n + h.fds.length + h.mappings, 0);
      expect(k.count).toBeGreaterThanOrEqual(seen);
    }
    expect(s.processes.find((p) => p.pid === byFd.pid)).toMatchObject({
      buffers: 3,
      fds: 3,
      mappings: 1,
      bytes: 3 * 65536,
    });
    expect(s.processes.find((p) => p.pid === byMap.pid)).toMatchObject({
      buffers: 2,
      fds: 0,
      mappings: 2,
      bytes: 2 * 131072,
    });
    const total = [...kernel.values()].reduce((n, k) => n + k.size, 0);
    expect(s.totals).toEqual({ buffers: kernel.size, bytes: total });
  });

  it('--pid and --exporter narrow the list; the text names holders, fds and mappings', async () => {
    await using byFd = await holdBuffers('fd', 2, 65536, 'cli-pid');
    await using byMap = await holdBuffers('map', 1, 65536, 'cli-other');
    const only = await ls('--pid', String(byMap.pid));
    expect(only.buffers.map((b) => b.ino)).toEqual(byMap.inos);
    expect(only.processes.map((p) => p.pid)).toEqual([byMap.pid]);
    const none = await ls('--exporter', 'no-such-exporter');
    expect(none.totals).toEqual({ buffers: 0, bytes: 0 });
    const text = await dmabuf('ls', '--pid', `${byFd.pid},${byMap.pid}`, '--exporter', 'udmabuf');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(`${byFd.inos[0]} +udmabuf +64 KiB +cli-pid-0 +${byFd.pid} node \\(fd \\d+; 1 map 64 KiB\\)`),
    );
    expect(text.stdout).toMatch(
      new RegExp(`${byMap.inos[0]} +udmabuf +64 KiB +cli-other-0 +${byMap.pid} node \\(1 map 64 KiB\\)`),
    );
    expect(text.stdout).toMatch(/Per exporter:\nEXPORTER +BUFFERS +BYTES\nudmabuf +3 +192 KiB/);
    expect(text.stdout).toContain('Total: 3 buffers, 192 KiB (with the kernel bufinfo list)');
  });

  it("as a normal user: that user's processes, and says it could not read root's nor bufinfo", async () => {
    execFileSync('chmod', ['0666', '/dev/udmabuf']); // the guest's devtmpfs: gone at power-off
    const nobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
    await using mine = await holdBuffers('fd', 1, 65536, 'cli-nobody', nobody);
    await using roots = await holdBuffers('fd', 1, 65536, 'cli-root');
    const out = execFileSync(nobody[0]!, [...nobody.slice(1), process.execPath, BIN, 'ls', '--json'], {
      encoding: 'utf8',
    });
    const s = JSON.parse(out) as Snapshot;
    expect(s.uid).toBe(65534);
    expect(s.kernelList).toBe(false);
    expect(byIno(s, mine.inos[0]!)).toMatchObject({
      exporter: 'udmabuf',
      holders: [{ pid: mine.pid, fds: [expect.any(Number)] }],
    });
    expect(byIno(s, roots.inos[0]!)).toBeUndefined();
    expect(s.notRead).toContainEqual(
      expect.objectContaining({ pid: roots.pid, what: 'fds', code: 'EACCES', uid: 0 }),
    );
    expect(s.notRead).toContainEqual({ what: 'bufinfo', code: 'EACCES' });
    const text = execFileSync(nobody[0]!, [...nobody.slice(1), process.execPath, BIN, 'ls'], {
      encoding: 'utf8',
    });
    expect(text).toMatch(/Not read:\n.*processes of uid 0 \(EACCES\): processes of other users; run as root/);
    expect(text).toContain('kernel bufinfo (EACCES): debugfs is readable by root only');
  });

  it('watch: the totals of a holder, sample after sample', async () => {
    await using h = await holdBuffers('fd', 2, 65536, 'cli-watch');
    const r = await dmabuf('watch', '--pid', String(h.pid), '--count', '2', '--interval', '0.2', '--json');
    expect(r.code).toBe(0);
    const samples = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(samples).toMatchObject([
      { buffers: 2, bytes: 131072, deltaBytes: 0, exporters: { udmabuf: { buffers: 2, bytes: 131072 } } },
      { buffers: 2, bytes: 131072, deltaBuffers: 0, deltaBytes: 0, processes: [{ pid: h.pid, buffers: 2 }] },
    ]);
  });
});
