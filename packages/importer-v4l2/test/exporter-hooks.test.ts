import {
  closeFd,
  createMemfd,
  type ExportedBuffer,
  InvalidArgumentError,
  LifecycleError,
  readFdInfo,
} from '@dmabuf/core';
import { describe, expect, it } from 'vitest';
import { V4l2Exporter, type V4l2ExportPriv } from '../src/index.js';

// The v4l2 exporter's hooks called directly, as a caller that reaches them could (the framework
// calls them in order only): junk is refused typed, and repeated detach/unmap/release never drive
// its counts below zero. A memfd stands in for an adopted V4L2 dma-buf (adopt needs no device).
describe('V4l2Exporter hooks called directly', () => {
  const layout = { size: 4096, planes: [{ offset: 0, pitch: 0, size: 4096 }] };

  it('junk is an InvalidArgumentError naming the argument, before anything is counted', () => {
    const e = new V4l2Exporter();
    const hooks = e as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const [hook, args, name] of [
      ['allocate', [undefined], 'request'],
      ['allocate', [{ options: null }], 'request.options'],
      ['adopt', [-1, {}, layout], 'fd'],
      ['adopt', [3, { fd: 3 }, layout], 'info'],
      ['adopt', [3, { fd: 3, flags: 0, link: 'x' }, { size: -1 }], 'layout'],
      ['detach', [], 'buffer'],
      ['unmap', [], 'buffer'],
      ['map', [{ priv: {} }, {}], 'buffer'],
    ] as const) {
      expect(() => hooks[hook]?.(...args), `${hook}`).toThrow(InvalidArgumentError);
      expect(() => hooks[hook]?.(...args), `${hook}`).toThrow(
        new RegExp(`for ${name.replace('.', '\\.')}[ .[]`),
      );
    }
    expect(e.stats).toEqual({ buffers: 0, attachments: 0, mappings: 0 });
  });

  it('attach, map, unmap, detach, release in order count back to zero; each again is a LifecycleError', () => {
    const e = new V4l2Exporter();
    const fd = createMemfd('v4l2-hooks', 4096);
    try {
      const a = e.adopt(fd, readFdInfo(fd), layout);
      const buf: ExportedBuffer<V4l2ExportPriv> = {
        id: 1,
        fd,
        layout,
        priv: a.priv,
        expName: 'videobuf2_vmalloc',
      };
      const att = { id: 7, device: 'test device', constraints: {} };
      expect(() => e.detach(buf, att)).toThrow(LifecycleError);
      expect(() => e.unmap(buf, att)).toThrow(
        /unmap of attachment #7 \(test device\), which is not attached/,
      );
      e.attach(buf, att);
      const table = e.map(buf, att);
      expect(table.segments).toEqual([{ offset: 0, length: 4096, source: 'videobuf2_vmalloc (received)' }]);
      expect(e.stats).toEqual({ buffers: 1, attachments: 1, mappings: 1 });
      expect(() => e.detach(buf, att)).toThrow(/while it has 1 mapping/);
      e.unmap(buf, att);
      expect(() => e.unmap(buf, att)).toThrow(/Unmap through mapping\.unmap\(\), once per map/);
      e.detach(buf, att);
      expect(() => e.detach(buf, att)).toThrow(/Detach through attachment\.detach\(\), once per attach/);
      expect(e.stats).toEqual({ buffers: 1, attachments: 0, mappings: 0 });
      a.release?.();
      expect(() => a.release?.()).toThrow(/released twice/);
      expect(() => e.attach(buf, att)).toThrow(InvalidArgumentError);
      expect(e.stats).toEqual({ buffers: 0, attachments: 0, mappings: 0 });
    } finally {
      closeFd(fd);
    }
  });
});
