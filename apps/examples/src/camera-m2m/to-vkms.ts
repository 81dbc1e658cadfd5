// camera (vivid, RGB24) → vim2m (to RGB565) → a vkms overlay plane taking
// RG16, zero copy: vim2m's CAPTURE queue writes into dumb buffers the display
// allocated, which the plane then scans out; the composed picture is read back
// through vkms's writeback connector to check the colour bars.
import { Framework } from '@dmabuf/core';
import { Display, DrmDevice, drmExporterPlugin, listDrmDevices, Writeback } from '@dmabuf/exporter-drm';
import { V4l2Device, V4l2M2mDevice, v4l2ExporterPlugin } from '@dmabuf/importer-v4l2';
import { VIVID_BARS } from '@dmabuf/lab/guest';

export interface VkmsOptions {
  frames: number;
  log?: (line: string) => void;
}

export interface VkmsResult {
  frames: number;
  /** Per frame: where the bars were read on the written-back picture and what was there (0xRRGGBB). */
  bars: number[][];
  /** The colour bars as RGB565 widened to 8 bits the way the display does, for comparison. */
  expected: number[];
  where: { x: number; y: number; width: number; height: number };
}

/** An 8-bit channel through RGB565 and back (5 or 6 bits widened by rounding). */
const through = (v: number, bits: number) => Math.round(((v >> (8 - bits)) * 255) / ((1 << bits) - 1));

export async function cameraToVkms(options: VkmsOptions): Promise<VkmsResult> {
  const { frames, log = () => {} } = options;
  const W = 640;
  const H = 360;
  const card = listDrmDevices().find((d) => d.driver === 'vkms');
  if (!card)
    throw new Error('no vkms card here: load vkms (modprobe vkms enable_overlay=1 enable_writeback=1)');
  using dev = DrmDevice.open(card.path);
  await using fw = await Framework.create({
    plugins: [drmExporterPlugin({ device: dev }), v4l2ExporterPlugin()],
  });
  using cam = V4l2Device.find({ queue: 'capture', driver: 'vivid' });
  using conv = V4l2M2mDevice.find({ driver: 'vim2m' });
  using display = Display.open(dev);
  using wb = Writeback.open(display);
  const { hdisplay, vdisplay } = display.mode;
  const where = { x: (hdisplay - W) >> 1, y: (vdisplay - H) >> 1, width: W, height: H };
  log(
    `${cam.path} → ${conv.name} → ${card.path} (vkms) overlay RG16 at ${where.x},${where.y}; read back by ${wb.name}`,
  );

  cam.setFormat('capture', { width: W, height: H, pixelformat: 'RGB3' });
  cam.setControl('osd_text_mode', 2);
  conv.configure({
    output: { width: W, height: H, pixelformat: 'RGB3' },
    capture: { width: W, height: H, pixelformat: 'RGBP' },
  });
  const camQ = cam.queue('capture', { memory: 'mmap', count: 4 });
  const camBufs = camQ.exportBuffers(fw);
  conv.open('output', { memory: 'dmabuf', count: 4 });
  const cap = conv.open('capture', { memory: 'dmabuf', count: 2 });
  // the display allocates what vim2m writes: RG16 dumb buffers on vkms
  const scanout = [0, 1].map(() => fw.export({ exporter: 'drm', width: W, height: H, format: 'RG16' }));
  using bg = fw.export({ exporter: 'drm', width: hdisplay, height: vdisplay, format: 'XR24' });
  using shot = fw.export({ exporter: 'drm', width: hdisplay, height: vdisplay, format: 'XR24' });
  try {
    const fbs = new Map(scanout.map((b) => [b, display.framebuffer(b)]));
    const bgFb = display.framebuffer(bg);
    for (const b of scanout) cap.queue(b);
    for (let i = 0; i < camQ.count; i++) camQ.queue(i);
    camQ.start();
    conv.start();
    const bars: number[][] = [];
    for (let n = 0; n < frames; n++) {
      const f = await camQ.dequeue({ timeoutMs: 30_000 });
      const { frame, input } = await conv.process(f.buffer!, { timeoutMs: 30_000 });
      input.drop();
      f.requeue();
      display.compose([
        { framebuffer: bgFb },
        { framebuffer: fbs.get(frame.buffer!)!, x: where.x, y: where.y },
      ]);
      await wb.capture(shot);
      {
        using r = shot.cpuAccess('read');
        const px = new Uint32Array(r.arrayBuffer);
        const stride = shot.layout.planes[0]!.pitch / 4;
        bars.push(VIVID_BARS.map((_, i) => px[(where.y + 200) * stride + where.x + 40 + i * 80]! & 0xffffff));
      }
      frame.requeue();
    }
    const expected = VIVID_BARS.map(
      ([r, g, b]) => (through(r, 5) << 16) | (through(g, 6) << 8) | through(b, 5),
    );
    return { frames, bars, expected, where };
  } finally {
    conv.close();
    camQ.close();
    for (const b of [...camBufs, ...scanout]) if (!b.released) b.put();
  }
}
