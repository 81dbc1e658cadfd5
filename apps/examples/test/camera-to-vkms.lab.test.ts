import { Framework, openFdCount } from '@dmabuf/core';
import { drmExporterPlugin, listDrmDevices, Writeback } from '@dmabuf/exporter-drm';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import { checkBars } from '../src/camera-display/colour-bars.js';
import { type PipelineOptions, type PipelineResult, runPipeline } from '../src/camera-display/pipeline.js';

/**
 * Run the pipeline on vkms and, while its last frame is on screen, read the
 * composed picture back through vkms's writeback connector; the picture's
 * rectangle (where the display placed it) is checked for vivid's bars.
 */
async function runOnVkms(
  options: Pick<PipelineOptions, 'frames' | 'format'>,
  tolerance: number,
): Promise<{ r: PipelineResult; bars: string[] | undefined }> {
  const card = listDrmDevices().find((d) => d.driver === 'vkms')!.path; // by driver, never by number
  let bars: string[] | undefined;
  const r = await runPipeline({
    width: 640,
    height: 480,
    buffers: 4,
    camera: '/dev/video0',
    card,
    copy: false,
    ...options,
    log: (line) => console.log(line),
    onShown: async (n, _frame, display) => {
      if (n !== options.frames) return;
      // The display's own device (its fd is DRM master: a second open of the card could not commit).
      await using fw = await Framework.create({ plugins: [drmExporterPlugin({ device: display.device })] });
      using wb = Writeback.open(display);
      const { hdisplay: W, vdisplay: H } = display.mode;
      using out = fw.export({ width: W, height: H, format: 'XR24' });
      await wb.capture(out);
      const dst = display.placement!.placement.dst;
      const rgb = new Uint8Array(dst.width * dst.height * 3);
      {
        using cpu = out.cpuAccess('read');
        const px = new Uint32Array(cpu.arrayBuffer);
        const stride = out.layout.planes[0]!.pitch / 4;
        for (let y = 0; y < dst.height; y++)
          for (let x = 0; x < dst.width; x++) {
            const v = px[(dst.y + y) * stride + dst.x + x]!;
            rgb.set([(v >> 16) & 255, (v >> 8) & 255, v & 255], (y * dst.width + x) * 3);
          }
      }
      bars = checkBars(rgb, dst.width, dst.height, tolerance);
    },
  });
  return { r, bars };
}

labSuite(
  'camera-to-display on vkms (vivid → vkms planes, checked through writeback)',
  { needs: ['vivid', 'vkms'] },
  () => {
    it('a camera format a vkms plane takes (XR24): zero-copy, the picture centred by the plane in the current mode; the written-back picture shows the bars', async () => {
      const fds = openFdCount();
      const { r, bars } = await runOnVkms({ frames: 6 }, 0);
      console.log(`path: ${r.path}; placement: ${r.placement}`);
      expect(r).toMatchObject({ path: 'zero-copy', format: 'XR24', displayFormat: 'XR24', frames: 6 });
      expect(r.placement).toMatch(/centred 1:1 .*current mode kept/);
      expect(bars).toEqual([]);
      expect(openFdCount()).toBe(fds);
    });

    it('YUYV (vkms 6.12 planes take no YUV): converted to XR24 in native code on a pool thread, the path and why printed; the written-back picture shows the bars', async () => {
      const fds = openFdCount();
      const { r, bars } = await runOnVkms({ frames: 6, format: 'YUYV' }, 8);
      console.log(`path: ${r.path}; why: ${r.copyReason}`);
      expect(r).toMatchObject({ path: 'copy', format: 'YUYV', displayFormat: 'XR24', frames: 6 });
      expect(r.copyReason).toMatch(
        /no display plane scans out YUYV \(planes take .*XR24.*\): .*native code on a libuv pool thread/,
      );
      expect(bars).toEqual([]);
      expect(openFdCount()).toBe(fds);
    });
  },
);
