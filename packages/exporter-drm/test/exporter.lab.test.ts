import { closeFd, DmaBufError, Framework, fdIdentity, readFdInfo } from '@dmabuf/core';
import { describeExporterContract } from '@dmabuf/core/contract';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import { DrmDevice, drmExporterPlugin, findDrmDevice, listDrmDevices } from '../src/index.js';
import { VGEM, VIRTIO } from './lab.js';

const O_ACCMODE = 3;
const O_RDWR = 2;

labSuite('DRM dumb exporter in the lab', { needs: ['vgem', 'virtio-gpu'] }, () => {
  describeExporterContract('drm dumb buffers on vgem (lab)', async () => ({
    framework: await Framework.create({ plugins: [drmExporterPlugin({ device: VGEM })] }),
    exportOptions: { exporter: 'drm', width: 64, height: 48, format: 'XR24' },
    lateAllocation: true,
  }));

  describeExporterContract('drm dumb buffers on virtio-gpu (lab)', async () => ({
    framework: await Framework.create({ plugins: [drmExporterPlugin({ device: VIRTIO })] }),
    exportOptions: { exporter: 'drm', width: 320, height: 240, format: 'XR24' },
    lateAllocation: true,
  }));

  it('lists vgem and virtio-gpu with their capabilities and finds devices by need', () => {
    const list = listDrmDevices();
    const vgem = list.find((d) => d.path === VGEM);
    const virtio = list.find((d) => d.path === VIRTIO);
    expect(vgem).toMatchObject({
      driver: 'vgem',
      node: 'primary',
      caps: { kms: false, dumbBuffers: true, primeImport: true, primeExport: true },
    });
    expect(virtio).toMatchObject({
      driver: 'virtio_gpu',
      caps: { kms: true, atomic: true, dumbBuffers: true },
    });
    expect(virtio?.connectors).toContainEqual(
      expect.objectContaining({ name: 'Virtual-1', connection: 'connected' }),
    );
    expect(list.filter((d) => d.node === 'render').every((d) => !d.caps.dumbBuffers && !d.caps.kms)).toBe(
      true,
    );
    using display = findDrmDevice({ display: true });
    expect(display.driver).toBe('virtio_gpu');
    using v = findDrmDevice({ driver: 'vgem', dumbBuffers: true });
    expect(v.path).toBe(VGEM);
    expect(() => findDrmDevice({ driver: 'vgem', display: true })).toThrow(
      /no DRM device has .*DRM card0 \(vgem\): no KMS.*DRM card1 \(virtio_gpu\): driver is virtio_gpu, not vgem/,
    );
  });

  it('exports with PRIME: CLOEXEC, read-write by default, read-only when asked; exp_name per driver; pitch and size from the driver', async () => {
    using vgem = DrmDevice.open(VGEM);
    using virtio = DrmDevice.open(VIRTIO);
    const a = drmExporterPlugin({ device: vgem, name: 'vgem' });
    const b = drmExporterPlugin({ device: virtio, name: 'virtio' });
    expect(a.exporter.expNames).toEqual(['drm']);
    expect(b.exporter.expNames).toEqual(['virtio_gpu']);
    await using fw = await Framework.create({ plugins: [a, b] });
    for (const exporter of ['vgem', 'virtio']) {
      using rw = fw.export({ exporter, width: 100, height: 10, format: 'XR24' });
      const info = readFdInfo(rw.borrowFd());
      expect(info.expName).toBe(exporter === 'vgem' ? 'drm' : 'virtio_gpu');
      expect(info.flags & O_ACCMODE).toBe(O_RDWR);
      expect(rw.layout.planes[0]!.pitch).toBeGreaterThanOrEqual(400);
      expect(rw.size).toBeGreaterThanOrEqual(rw.layout.planes[0]!.pitch * 10);
      using ro = fw.export({ exporter, width: 16, height: 16, options: { readOnly: true } });
      expect(readFdInfo(ro.borrowFd()).flags & O_ACCMODE).toBe(0);
      {
        using r = ro.cpuAccess('read');
        expect(r.bytes.length).toBe(ro.size);
      }
      expect(() => ro.cpuAccess('write')).toThrow(expect.objectContaining({ code: 'EACCES' }));
    }
    expect(() => fw.export({ exporter: 'vgem', width: 8, height: 8, options: { readOnly: 'yes' } })).toThrow(
      /options.readOnly/,
    );
    expect(() => fw.export({ exporter: 'virtio', width: 99999, height: 8 })).toThrow(DmaBufError);
  });

  it('recognises a received fd by exp_name: another framework adopts it through the same plugin kind, layout given', async () => {
    using virtio = DrmDevice.open(VIRTIO);
    await using sender = await Framework.create({ plugins: [drmExporterPlugin({ device: virtio })] });
    await using receiver = await Framework.create({ plugins: [drmExporterPlugin({ device: virtio })] });
    using buf = sender.export({ width: 64, height: 64, format: 'XR24' });
    {
      using w = buf.cpuAccess('write');
      w.bytes.fill(0x5a);
    }
    const fd = buf.fd();
    try {
      using got = receiver.get(fd, buf.layout);
      expect(got).not.toBe(buf);
      expect(got.exporter.name).toBe('drm');
      expect(got.expName).toBe('virtio_gpu');
      expect(got.identity).toBe(fdIdentity(fd).key);
      using r = got.cpuAccess('read');
      expect(r.bytes[got.size - 1]).toBe(0x5a);
    } finally {
      closeFd(fd);
    }
  });

  it('lays out NV12 in one dumb buffer: chroma plane after luma, same pitch', async () => {
    await using fw = await Framework.create({ plugins: [drmExporterPlugin({ device: VGEM })] });
    using buf = fw.export({ width: 64, height: 48, format: 'NV12' });
    const [y, uv] = buf.layout.planes;
    expect(uv!.offset).toBe(y!.pitch * 48);
    expect(uv!.pitch).toBe(y!.pitch);
    expect(buf.size).toBeGreaterThanOrEqual(uv!.offset + uv!.pitch * 24);
  });
});
