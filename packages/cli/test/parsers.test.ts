import { describe, expect, it } from 'vitest';
import { parseBufInfo, parseDmaBufMaps, parseFdInfo } from '../src/index.js';
import { BUFINFO, FDINFO_HEAP, FDINFO_NOT_DMABUF, FDINFO_UDMABUF, MAPS } from './samples.js';

describe('parseFdInfo', () => {
  it('reads ino, exporter, size, name and count of a dma-buf fd', () => {
    expect(parseFdInfo(FDINFO_UDMABUF)).toEqual({
      ino: 1,
      exporter: 'udmabuf',
      size: 65536,
      name: 'probe-a',
      count: 2,
    });
  });

  it('leaves the name out when the buffer has none', () => {
    expect(parseFdInfo(FDINFO_HEAP)).toEqual({ ino: 2, exporter: 'system', size: 8192, count: 2 });
  });

  it('is undefined for an fd that is not a dma-buf, or a broken text', () => {
    expect(parseFdInfo(FDINFO_NOT_DMABUF)).toBeUndefined();
    expect(parseFdInfo('exp_name:\tudmabuf\nsize:\tx\nino:\t3\n')).toBeUndefined();
    expect(parseFdInfo('')).toBeUndefined();
  });

  it('keeps a name with colons and spaces whole', () => {
    expect(parseFdInfo(`${FDINFO_HEAP}name:\tnode:173 cam 0\n`)?.name).toBe('node:173 cam 0');
  });
});

describe('parseDmaBufMaps', () => {
  it('keeps only /dmabuf: mappings, with inode, size, offset, perms and name', () => {
    const maps = parseDmaBufMaps(MAPS);
    expect(maps).toHaveLength(3);
    expect(maps[0]).toEqual({
      start: 0x7f37e059a000n,
      end: 0x7f37e05aa000n,
      bytes: 65536,
      perms: 'rw-s',
      offset: 0,
      ino: 1,
      name: 'probe-a',
    });
    expect(maps[1]).toMatchObject({ ino: 2, bytes: 8192, perms: 'rw-s' });
    expect(maps[1]!.name).toBeUndefined();
    expect(maps[2]).toMatchObject({ ino: 2, bytes: 4096, offset: 4096, perms: 'r--s' });
  });

  it('ignores lines it cannot read', () => {
    expect(parseDmaBufMaps('garbage /dmabuf:x\nzz-yy rw-s 0 00:0b 1 /dmabuf:\n')).toEqual([]);
  });
});

describe('parseBufInfo', () => {
  it('reads every buffer row, its fences and attached devices, and the totals line', () => {
    const info = parseBufInfo(BUFINFO);
    expect(info.total).toEqual({ objects: 3, bytes: 77824 });
    expect(info.buffers.map((b) => [b.ino, b.exporter, b.size, b.count, b.name])).toEqual([
      [2, 'system', 8192, 2, undefined],
      [1, 'udmabuf', 65536, 1, 'probe-a'],
      [7, 'virtio_gpu', 4096, 3, undefined],
    ]);
    expect(info.buffers[2]!.attached).toEqual(['vivid-000', '0000:00:02.0']);
    expect(info.buffers[2]!.fences).toEqual(['write fence:virtio_gpu timeline:ctx 1 seq 5 signalled']);
    expect(info.buffers[0]!).toMatchObject({ flags: 2, mode: 0x80007, attached: [], fences: [] });
  });

  it('gives no buffers for an empty list', () => {
    expect(
      parseBufInfo(
        '\nDma-buf Objects:\nsize\tflags\tmode\tcount\texp_name\tino\tname\n\nTotal 0 objects, 0 bytes\n',
      ),
    ).toEqual({
      buffers: [],
      total: { objects: 0, bytes: 0 },
    });
  });
});
