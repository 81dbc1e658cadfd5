import { type DmaBuf, DmaBufError, LifecycleError, openFdCount } from '@dmabuf/core';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import { FormatError, V4l2M2mDevice, v4l2ExporterPlugin } from '../src/index.js';
import { quietCameraSuite } from './lab-helpers.js';
import { firstDifference, rgb565, type Vim2mIn, type Vim2mOut, vim2mConvert } from './vim2m-reference.js';

const W = 640;
const H = 360;

function putAll(bufs: DmaBuf[]): void {
  for (const b of bufs) if (!b.released) b.put();
}

labSuite('V4L2 memory-to-memory on vim2m', { needs: ['vivid', 'vim2m'] }, () => {
  const s = quietCameraSuite(() => [v4l2ExporterPlugin()]);

  it('is found as a memory-to-memory device with formats on both sides; other nodes are refused', () => {
    using m2m = V4l2M2mDevice.find({ driver: 'vim2m' });
    expect(m2m.name).toMatch(/^V4L2 M2M \/dev\/video\d+ \(vim2m\)$/);
    expect(m2m.role).toBeUndefined(); // a converter: no encoder/decoder commands
    expect(m2m.kindOf('output')).toBe('output');
    expect(m2m.kindOf('capture')).toBe('capture');
    expect(m2m.formats('output').map((f) => f.pixelformat)).toEqual(['RGBP', 'RGBR', 'RGB3', 'BGR3']);
    expect(m2m.formats('capture').map((f) => f.pixelformat)).toEqual(
      expect.arrayContaining(['RGBP', 'RGB3', 'YUYV', 'BA81', 'RGGB']),
    );
    const tried = m2m.tryFormat('capture', { width: 1000, height: 1000, pixelformat: 'YUYV' });
    expect(tried).toMatchObject({ width: 640, height: 480, pixelformat: 'YUYV' }); // vim2m's maximum
    expect(V4l2M2mDevice.list().map((d) => d.driver)).toContain('vim2m');
    expect(() => V4l2M2mDevice.open(s.cam.path)).toThrow(/is not a memory-to-memory device/);
    let err: unknown;
    try {
      V4l2M2mDevice.find({ driver: 'no-such-m2m' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DmaBufError);
    expect(err).toMatchObject({ code: 'ENODEV' });
    expect(String((err as DmaBufError).hint)).toMatch(/\(vim2m: vim2m\)/);
  });

  it('refuses a pair it cannot convert, a start before both queues are open, events and drain it does not have; nothing leaks', () => {
    const fds = openFdCount();
    {
      using m2m = V4l2M2mDevice.find({ driver: 'vim2m' });
      let err: unknown;
      try {
        m2m.configure({ output: { pixelformat: 'YUYV' }, capture: { pixelformat: 'RGB3' } });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FormatError);
      expect((err as FormatError).message).toMatch(/vim2m\) cannot convert YUYV to RGB3/);
      expect((err as FormatError).hint).toMatch(/takes RGBP, RGBR, RGB3, BGR3 \(OUTPUT\) and gives .*YUYV/);
      m2m.configure({
        output: { width: W, height: H, pixelformat: 'RGB3' },
        capture: { width: W, height: H, pixelformat: 'RGBP' },
      });
      m2m.open('output', { memory: 'mmap', count: 2 });
      expect(() => m2m.start()).toThrow(LifecycleError);
      expect(() => m2m.start()).toThrow(/the capture queue is not open/);
      expect(m2m.output.streaming).toBe(false); // nothing started
      expect(() => m2m.capture).toThrow(/not open/);
      expect(() => m2m.subscribe('eos')).toThrow(/does not send eos events/);
      m2m.open('capture', { memory: 'mmap', count: 2 });
      expect(() => m2m.drain()).toThrow(/drain while not streaming/);
      m2m.start();
      let drainErr: unknown;
      try {
        m2m.drain();
      } catch (e) {
        drainErr = e;
      }
      expect(drainErr).toMatchObject({ code: 'ENOTTY' });
      expect(String(drainErr)).toMatch(/no encoder or decoder commands/);
    }
    expect(openFdCount()).toBe(fds);
  });

  for (const c of [
    { from: 'RGB3', to: 'RGBP', flip: {} },
    { from: 'RGB3', to: 'YUYV', flip: { h: true } },
    { from: 'BGR3', to: 'RGB3', flip: { v: true } },
    { from: 'RGB3', to: 'RGB3', flip: { h: true, v: true } },
  ] as { from: Vim2mIn; to: Vim2mOut; flip: { h?: boolean; v?: boolean } }[]) {
    it(`camera (vivid ${c.from}, exported) → vim2m OUTPUT (imported) → CAPTURE ${c.to}${c.flip.h ? ' hflip' : ''}${c.flip.v ? ' vflip' : ''}: byte for byte what vim2m.c computes`, async () => {
      const fds = openFdCount();
      s.cam.setFormat('capture', { width: W, height: H, pixelformat: c.from });
      const camQ = s.cam.queue('capture', { memory: 'mmap', count: 4 });
      const camBufs = camQ.exportBuffers(s.fw);
      const m2m = V4l2M2mDevice.find({ driver: 'vim2m' });
      let capBufs: DmaBuf[] = [];
      try {
        const fmts = m2m.configure({
          output: { width: W, height: H, pixelformat: c.from },
          capture: { width: W, height: H, pixelformat: c.to },
        });
        expect(fmts.capture).toMatchObject({ width: W, height: H, pixelformat: c.to });
        m2m.device.setControl('horizontal_flip', !!c.flip.h);
        m2m.device.setControl('vertical_flip', !!c.flip.v);
        m2m.device.setControl('transaction_time_msec', 1);
        const out = m2m.open('output', { memory: 'dmabuf', count: 4 });
        const cap = m2m.open('capture', { memory: 'mmap', count: 2 });
        capBufs = cap.exportBuffers(s.fw);
        for (let i = 0; i < cap.count; i++) cap.queue(i);
        for (let i = 0; i < camQ.count; i++) camQ.queue(i);
        camQ.start();
        m2m.start();
        const pitchOut = fmts.capture.planes[0]!.bytesperline;
        for (let n = 0; n < 3; n++) {
          const shot = await camQ.dequeue({ timeoutMs: 30_000 });
          const { frame, input } = await m2m.process(shot.buffer!, { timeoutMs: 30_000 });
          // zero copy: vim2m read the camera's own buffer (imported), and wrote its CAPTURE buffer
          expect(input.buffer).toBe(shot.buffer);
          expect(shot.buffer!.attachments.map((a) => a.device)).toEqual([`V4L2 ${m2m.path} (output)`]);
          expect(frame.bytesUsed).toBe(fmts.capture.planes[0]!.sizeimage);
          {
            using src = shot.buffer!.cpuAccess('read');
            using dst = frame.buffer!.cpuAccess('read');
            const want = vim2mConvert(src.bytes.subarray(0, W * H * 3), W, H, c.from, c.to, c.flip);
            const got = dst.bytes.subarray(0, want.length);
            expect(firstDifference(got, want, pitchOut), `frame ${n}`).toBe('');
            if (c.to === 'RGBP' && !c.flip.h) {
              // the colour bars: 75% white then yellow, as RGB565
              const at = (x: number) =>
                got[200 * pitchOut + x * 2]! | (got[200 * pitchOut + x * 2 + 1]! << 8);
              expect(at(40)).toBe(rgb565(191, 191, 191));
              expect(at(120)).toBe(rgb565(191, 191, 0));
              expect(at(600)).toBe(rgb565(0, 0, 0));
            }
          }
          frame.requeue();
          input.drop(); // the OUTPUT slot is idle again: nothing to requeue there
          shot.requeue();
        }
        m2m.stop();
        expect(out.slots).toHaveLength(0);
        for (const b of camBufs) expect(b.attachments).toHaveLength(0);
      } finally {
        m2m.close();
        camQ.close();
        putAll(camBufs);
        putAll(capBufs);
      }
      expect(openFdCount()).toBe(fds);
    });
  }
});
