import { expect, it } from 'vitest';
import type { DevicesReport } from '../src/index.js';
import { dmabuf, labSuite } from './lab.js';

labSuite('dmabuf devices (lab: vivid, vgem, virtio-gpu, system heap, udmabuf)', () => {
  it('--json: every device with what it can do', async () => {
    const r = await dmabuf('devices', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as DevicesReport;

    const cam = d.v4l2.find((v) => v.path === '/dev/video0')!;
    expect(cam).toMatchObject({ driver: 'vivid', busInfo: expect.stringMatching(/^platform:vivid-/) });
    expect(cam.deviceCaps).toEqual(expect.arrayContaining(['video-capture', 'streaming']));
    const capture = cam.queues.find((q) => q.kind === 'capture')!;
    expect(capture).toMatchObject({ dmabufImport: true, mmapExport: true });
    const yuyv = capture.formats.find((f) => f.fourcc === 'YUYV')!;
    expect(yuyv.sizes.length).toBeGreaterThan(0);
    const vga = yuyv.sizes.find((s) => s.size === '640x480');
    expect(vga?.rates.length).toBeGreaterThan(0);
    const out = d.v4l2.find((v) => v.driver === 'vivid' && v.queues.some((q) => q.kind === 'output'))!;
    expect(out.queues.find((q) => q.kind === 'output')).toMatchObject({ dmabufImport: true });

    const vgem = d.drm.filter((x) => x.driver === 'vgem');
    expect(vgem.map((x) => x.node).sort()).toEqual(['primary', 'render']);
    expect(vgem[0]!.caps).toMatchObject({ primeImport: true, primeExport: true, kms: false });
    expect(vgem[0]!.connectors).toEqual([]);

    const gpu = d.drm.find((x) => x.driver === 'virtio_gpu' && x.node === 'primary')!;
    expect(gpu.caps).toMatchObject({ kms: true, primeExport: true, dumbBuffers: true });
    const virtual1 = gpu.connectors.find((c) => c.name === 'Virtual-1')!;
    expect(virtual1.connection).toBe('connected');
    // the preferred mode (QEMU's default 1280x800; its refresh as the kernel computes it)
    expect(virtual1.modes.filter((m) => m.endsWith('*'))).toEqual([
      expect.stringMatching(/^1280x800@\d+\*$/),
    ]);
    const primary = gpu.planes.find((p) => p.type === 'primary')!;
    expect(primary.formats.XR24).toEqual(['LINEAR']);
    expect(gpu.planes.some((p) => p.type === 'cursor')).toBe(true);

    expect(d.heaps).toContainEqual({ name: 'system', path: '/dev/dma_heap/system', accessible: true });
    expect(d.udmabuf).toMatchObject({
      path: '/dev/udmabuf',
      present: true,
      accessible: true,
      limits: { sizeLimitMb: 64, listLimit: 1024, source: 'sysfs' },
    });
    expect(d.udmabuf.hugePages.total).toBeGreaterThan(0);
  });

  it('text: one section per kind of device', async () => {
    const r = await dmabuf('devices');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^V4L2 \(\d+\)\n {2}\/dev\/video0 {2}vivid /);
    expect(r.stdout).toMatch(/ {4}capture: dma-buf import yes, MMAP \+ EXPBUF export yes\n/);
    expect(r.stdout).toMatch(/ {6}YUYV .*640x480@/);
    expect(r.stdout).toMatch(
      /\n {2}\/dev\/dri\/card\d {2}virtio_gpu .*primary node\n {4}caps: .*primeExport/,
    );
    expect(r.stdout).toMatch(/connector Virtual-1 connected: .*1280x800@\d+\*/);
    expect(r.stdout).toMatch(/plane \d+ primary: .*XR24\[LINEAR\]/);
    expect(r.stdout).toMatch(/DMA heaps \(\d+\)\n {2}system {2}\/dev\/dma_heap\/system\n/);
    expect(r.stdout).toMatch(
      /udmabuf\n {2}\/dev\/udmabuf: size_limit_mb 64, list_limit 1024 \(\/sys\/module\/udmabuf\/parameters\)/,
    );
  });
});
