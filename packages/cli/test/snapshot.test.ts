import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSnapshot, readSystem } from '../src/index.js';
import { renderLs } from '../src/render/ls-text.js';
import { fakeProc } from './fake-proc.js';
import { BUFINFO, FDINFO_HEAP, FDINFO_NOT_DMABUF, FDINFO_UDMABUF, MAPS } from './samples.js';

const MAP_ONLY = '7f0000000000-7f0000010000 rw-s 00000000 00:0b 1                          /dmabuf:probe-a\n';

function system() {
  return fakeProc([
    {
      pid: 100,
      comm: 'camera',
      fds: {
        3: ['/dev/udmabuf', FDINFO_NOT_DMABUF],
        7: ['/dmabuf:probe-a', FDINFO_UDMABUF],
        8: ['/dmabuf:', FDINFO_HEAP],
        9: ['/dmabuf:', FDINFO_HEAP],
      },
      maps: MAPS,
    },
    { pid: 200, comm: 'viewer', maps: MAP_ONLY },
    { pid: 300, comm: 'secret', hideFds: true },
    { pid: 400, comm: 'idle' },
  ]);
}

describe('readSystem + buildSnapshot (a fake /proc)', () => {
  it('merges fds and mappings by inode, per buffer, per process and per exporter', () => {
    using proc = system();
    const s = buildSnapshot(readSystem({ proc: proc.root, bufinfo: join(proc.root, 'none') }));
    expect(s.buffers.map((b) => [b.ino, b.exporter, b.size, b.name])).toEqual([
      [1, 'udmabuf', 65536, 'probe-a'],
      [2, 'system', 8192, undefined],
    ]);
    const [a, b] = s.buffers;
    expect(a!.holders).toEqual([
      { pid: 100, command: 'camera', fds: [7], mappings: 1, mappedBytes: 65536 },
      { pid: 200, command: 'viewer', fds: [], mappings: 1, mappedBytes: 65536 },
    ]);
    expect(b!.holders).toEqual([
      { pid: 100, command: 'camera', fds: [8, 9], mappings: 2, mappedBytes: 12288 },
    ]);
    expect(a!.seenIn).toEqual(['fdinfo', 'maps']);
    expect(s.processes.map((p) => [p.pid, p.buffers, p.fds, p.mappings, p.bytes])).toEqual([
      [100, 2, 3, 3, 65536 + 8192],
      [200, 1, 0, 1, 65536],
    ]);
    expect(s.exporters).toEqual([
      { exporter: 'udmabuf', buffers: 1, bytes: 65536 },
      { exporter: 'system', buffers: 1, bytes: 8192 },
    ]);
    expect(s.totals).toEqual({ buffers: 2, bytes: 65536 + 8192 });
    expect(s.kernelList).toBe(false);
  });

  it('says what it could not read: a process whose fds are unreadable, a missing bufinfo', () => {
    using proc = system();
    const s = buildSnapshot(readSystem({ proc: proc.root, bufinfo: join(proc.root, 'none') }));
    expect(s.notRead).toEqual([
      { pid: 300, command: 'secret', uid: expect.any(Number), what: 'fds', code: 'ENOTDIR' },
      { what: 'bufinfo', code: 'ENOENT' },
    ]);
    const text = renderLs(s);
    expect(text).toMatch(/Not read:\n {2}fds of 1 process of uid \d+ \(ENOTDIR\)/);
    expect(text).toContain('kernel bufinfo (ENOENT): debugfs is not mounted');
  });

  it('a mapping-only buffer has no exporter or size until bufinfo names it', () => {
    using proc = fakeProc([{ pid: 200, comm: 'viewer', maps: MAP_ONLY }]);
    const without = buildSnapshot(readSystem({ proc: proc.root, bufinfo: join(proc.root, 'none') }));
    expect(without.buffers).toEqual([
      {
        ino: 1,
        name: 'probe-a',
        holders: [{ pid: 200, command: 'viewer', fds: [], mappings: 1, mappedBytes: 65536 }],
        seenIn: ['maps'],
      },
    ]);
    expect(without.exporters).toEqual([{ exporter: '?', buffers: 1, bytes: 65536 }]);
    writeFileSync(join(proc.root, 'bufinfo'), BUFINFO);
    const withKernel = buildSnapshot(readSystem({ proc: proc.root, bufinfo: join(proc.root, 'bufinfo') }));
    expect(withKernel.kernelList).toBe(true);
    expect(withKernel.buffers.find((b) => b.ino === 1)).toMatchObject({
      exporter: 'udmabuf',
      size: 65536,
      kernelCount: 1,
      seenIn: ['maps', 'bufinfo'],
    });
    // buffers only the kernel knows are listed, held by no readable process, with their attachments
    expect(withKernel.buffers.find((b) => b.ino === 7)).toMatchObject({
      exporter: 'virtio_gpu',
      holders: [],
      attached: ['vivid-000', '0000:00:02.0'],
      seenIn: ['bufinfo'],
    });
    expect(withKernel.totals).toEqual({ buffers: 3, bytes: 77824 });
    expect(renderLs(withKernel)).toMatch(/7 +virtio_gpu +4 KiB +- +no readable process \(kernel count 3\)/);
  });

  it('filters by pid and by exporter, and totals only what is shown', () => {
    using proc = system();
    const read = readSystem({ proc: proc.root, bufinfo: join(proc.root, 'none') });
    const byPid = buildSnapshot(read, { pids: [200] });
    expect(byPid.buffers.map((b) => b.ino)).toEqual([1]);
    expect(byPid.processes.map((p) => p.pid)).toEqual([200]);
    const byExporter = buildSnapshot(read, { exporters: ['system'] });
    expect(byExporter.buffers.map((b) => b.ino)).toEqual([2]);
    expect(byExporter.totals).toEqual({ buffers: 1, bytes: 8192 });
    expect(byExporter.processes.map((p) => p.pid)).toEqual([100]);
  });

  it('reads only the pids asked for, and skips a pid that does not exist', () => {
    using proc = system();
    const read = readSystem({ proc: proc.root, bufinfo: join(proc.root, 'none'), pids: [200, 999] });
    expect(read.processes.map((p) => p.pid)).toEqual([200]);
  });

  it('renders buffers, holders and totals as text, and the JSON round-trips', () => {
    using proc = system();
    const s = buildSnapshot(readSystem({ proc: proc.root, bufinfo: join(proc.root, 'none') }));
    const text = renderLs(s);
    expect(text).toMatch(/^INODE +EXPORTER +SIZE +NAME +HELD BY\n/);
    expect(text).toMatch(
      /1 +udmabuf +64 KiB +probe-a +100 camera \(fd 7; 1 map 64 KiB\), 200 viewer \(1 map 64 KiB\)/,
    );
    expect(text).toMatch(/2 +system +8 KiB +- +100 camera \(fd 8,9; 2 maps 12 KiB\)/);
    expect(text).toContain('Total: 2 buffers, 72 KiB (from the processes that could be read)');
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});
