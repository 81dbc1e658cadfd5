import {
  closeFd,
  dupFd,
  Framework,
  fdSize,
  plainDevice,
  readFdInfo,
  SEEK_CUR,
  SEEK_SET,
  seekFd,
  syncDmaBuf,
} from '@dmabuf/core';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import { DrmDevice, drmExporterPlugin, importBuffer } from '../src/index.js';
import { VGEM, VIRTIO } from './lab.js';

labSuite('PRIME import and the dma-buf file in the lab', { needs: ['vgem', 'virtio-gpu'] }, () => {
  it("export and import back on the same device gives the dumb buffer's own handle; again, or a dup, the same handle; closed on detach", async () => {
    for (const path of [VGEM, VIRTIO]) {
      using dev = DrmDevice.open(path);
      const plugin = drmExporterPlugin({ device: dev });
      await using fw = await Framework.create({ plugins: [plugin] });
      const buf = fw.export({ width: 32, height: 32 });
      const probe = buf.attach(plainDevice('probe'));
      const m = probe.map();
      const own = /gem:(\d+)/.exec(m.table.segments[0]!.source ?? '')?.[1];
      m.unmap();
      probe.detach();
      const first = importBuffer(dev, buf);
      expect(String(first.handle)).toBe(own);
      const again = importBuffer(dev, buf);
      expect(again.handle).toBe(first.handle);
      const fd = dupFd(buf.borrowFd());
      const same = fw.get(fd);
      expect(same).toBe(buf);
      const viaDup = importBuffer(dev, same);
      expect(viaDup.handle).toBe(first.handle);
      // A second framework builds its own DmaBuf for the same buffer: same identity, same handle.
      await using other = await Framework.create({
        plugins: [drmExporterPlugin({ device: dev, name: 'other' })],
      });
      const foreignView = other.get(fd, buf.layout);
      const viaOther = importBuffer(dev, foreignView);
      expect(viaOther.handle).toBe(first.handle);
      closeFd(fd);
      for (const i of [first, again, viaDup, viaOther]) i.release();
      foreignView.put();
      same.put();
      // The exporter still holds its handle until the buffer is released.
      expect(dev.handles.has(first.handle)).toBe(true);
      buf.put();
      expect(dev.handles.has(first.handle)).toBe(false);
      expect(dev.handles.size).toBe(0);
    }
  });

  it('two separate opens of a device get their own handles, each stable across re-imports', async () => {
    using virtio = DrmDevice.open(VIRTIO);
    using a = DrmDevice.open(VGEM);
    using b = DrmDevice.open(VGEM);
    await using fw = await Framework.create({ plugins: [drmExporterPlugin({ device: virtio })] });
    using buf1 = fw.export({ width: 16, height: 16 });
    using buf2 = fw.export({ width: 16, height: 16 });
    const a1 = importBuffer(a, buf1);
    const b2 = importBuffer(b, buf2);
    const b1 = importBuffer(b, buf1);
    const a2 = importBuffer(a, buf2);
    expect(a1.handle).not.toBe(a2.handle);
    expect(b1.handle).not.toBe(b2.handle);
    const a1again = importBuffer(a, buf1);
    const b1again = importBuffer(b, buf1);
    expect(a1again.handle).toBe(a1.handle);
    expect(b1again.handle).toBe(b1.handle);
    for (const i of [a1, b2, b1, a2, a1again, b1again]) i.release();
    expect(a.handles.size + b.handles.size).toBe(0);
  });

  it('the dma-buf file: lseek gives the size and nothing else; names show in fdinfo; SYNC pairs, and a bad mode is refused before the ioctl', async () => {
    await using fw = await Framework.create({ plugins: [drmExporterPlugin({ device: VIRTIO })] });
    using buf = fw.export({ width: 64, height: 64 });
    const fd = buf.borrowFd();
    expect(fdSize(fd)).toBe(buf.size);
    expect(seekFd(fd, 0, SEEK_SET)).toBe(0);
    expect(() => seekFd(fd, 1, SEEK_SET)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => seekFd(fd, 0, SEEK_CUR)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    buf.setName('drm-lab-buffer-name-of-31-chars');
    expect(readFdInfo(fd).name).toBe('drm-lab-buffer-name-of-31-chars');
    expect(() => buf.setName('x'.repeat(32))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    syncDmaBuf(fd, 'read', 'start');
    syncDmaBuf(fd, 'read', 'end');
    syncDmaBuf(fd, 'readwrite', 'start');
    syncDmaBuf(fd, 'readwrite', 'end');
    expect(() => syncDmaBuf(fd, 'sideways' as never, 'start')).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(() => syncDmaBuf(fd, 'read', 'middle' as never)).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
  });

  it('close with an async onClose that rejects: the device closes, the rejection is a warning (was an unhandled rejection)', async () => {
    const unhandled: unknown[] = [];
    const warnings: string[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    const onWarning = (w: Error & { code?: string }) => {
      if (w.code === 'DMABUF_CLOSE_CALLBACK') warnings.push(w.message);
    };
    process.on('unhandledRejection', onUnhandled);
    process.on('warning', onWarning);
    try {
      const dev = DrmDevice.open(VGEM);
      const ran: string[] = [];
      dev.onClose((async () => {
        ran.push('async');
        throw new Error('restore went wrong later');
      }) as unknown as () => void);
      dev.onClose(() => ran.push('sync'));
      dev.close();
      expect(ran).toEqual(['async', 'sync']);
      expect(() => dev.fd).toThrow();
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('restore went wrong later');
    } finally {
      process.off('unhandledRejection', onUnhandled);
      process.off('warning', onWarning);
    }
  });
});
