import { Framework, NegotiationError, plainDevice } from '@dmabuf/core';
import { memfdExporterPlugin } from '@dmabuf/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatConstraints, layoutPlanes, planeConstraints } from '../src/index.js';
import { vividNv12m, vividYuyv } from './vivid-formats.js';

const yuyv = vividYuyv;
const nv12m = vividNv12m;

describe('constraints from a negotiated format', () => {
  it('single plane: sizeimage, bytesperline and the DRM twin (LINEAR)', () => {
    expect(planeConstraints(yuyv, 0)).toEqual({
      minSize: 460800,
      pitches: [1280],
      formats: [{ format: 'YUYV', modifiers: [0n] }],
    });
    expect(planeConstraints(yuyv, 1)).toEqual({});
  });

  it('multi-planar: one set per memory plane, no format (a plane is not an image)', () => {
    expect(formatConstraints(nv12m)).toEqual([
      { minSize: 230400, pitches: [640] },
      { minSize: 115200, pitches: [640] },
    ]);
  });

  it('layout planes: packed, and one per memory plane for M formats', () => {
    expect(layoutPlanes(yuyv, 0)).toEqual([{ offset: 0, pitch: 1280, size: 460800 }]);
    expect(layoutPlanes(nv12m, 1)).toEqual([{ offset: 0, pitch: 640, size: 115200 }]);
  });

  describe('through the core', () => {
    let fw: Framework;
    beforeAll(async () => {
      fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
    });
    afterAll(async () => {
      await fw.close();
    });

    it('an undersized buffer is refused at attach, naming both sizes', () => {
      const buf = fw.export({ size: 409600 });
      try {
        expect(() =>
          buf.attach(plainDevice('V4L2 /dev/video0 (capture)', planeConstraints(yuyv, 0))),
        ).toThrow(NegotiationError);
        expect(() =>
          buf.attach(plainDevice('V4L2 /dev/video0 (capture)', planeConstraints(yuyv, 0))),
        ).toThrow(/V4L2 \/dev\/video0 \(capture\) needs 460800 bytes, buffer #\d+ \(memfd-test\) has 409600/);
        expect(buf.attachments).toHaveLength(0);
      } finally {
        buf.put();
      }
    });

    it('a pending buffer is allocated to fit the queue (late allocation)', () => {
      const buf = fw.export({});
      const att = buf.attach(plainDevice('V4L2 /dev/video0 (capture)', { minSize: 460800 }));
      const m = att.map('from-device');
      expect(buf.size).toBeGreaterThanOrEqual(460800);
      m.unmap();
      att.detach();
      buf.put();
    });

    it('a buffer with another pitch or format is refused', () => {
      const buf = fw.export({ width: 320, height: 360, format: 'XR24' });
      try {
        expect(() =>
          buf.attach(plainDevice('V4L2 /dev/video0 (capture)', planeConstraints(yuyv, 0))),
        ).toThrow(/takes formats YUYV/);
      } finally {
        buf.put();
      }
    });
  });
});
