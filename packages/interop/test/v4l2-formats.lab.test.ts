import {
  checkLayout,
  computeLayout,
  type DmaBuf,
  Framework,
  imagePlanes,
  PIXEL_FORMATS,
  type PixelFormat,
  PixelFormatError,
} from '@dmabuf/core';
import { drmExporterPlugin } from '@dmabuf/exporter-drm';
import { heapPlugin } from '@dmabuf/exporter-heap';
import { udmabufPlugin } from '@dmabuf/exporter-udmabuf';
import { labSuite } from '@dmabuf/lab/suite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { colourPlanes, type PixFormat, planeConstraints, V4l2Device } from '../../importer-v4l2/src/index.js'; // the same module as its vivid helpers
import { quietPattern, resetVivid, take, vividCapture } from '../../importer-v4l2/test/lab-helpers.js';

/** vivid's 75% colour bars (LAB.md) in BT.601 limited range: Y, Cb, Cr at each bar's centre. */
const BARS_YUV: [number, number, number][] = [
  [180, 128, 128], // white (191,191,191)
  [162, 44, 142], // yellow
  [131, 156, 44], // cyan
  [112, 72, 58], // green
  [84, 184, 198], // magenta
  [65, 100, 212], // red
  [35, 212, 114], // blue
  [16, 128, 128], // black
];
const NEAR = 6;

/** Y, Cb, Cr at the centre of each of the 8 bars of a 640-wide NV12 frame, from its two planes. */
function nv12Bars(y: Uint8Array, uv: Uint8Array, pitchY: number, pitchUV: number, row: number): number[][] {
  return BARS_YUV.map((_, i) => {
    const x = i * 80 + 40;
    const c = Math.floor(row / 2) * pitchUV + (x & ~1);
    return [y[row * pitchY + x]!, uv[c]!, uv[c + 1]!];
  });
}

function expectBars(got: number[][]): void {
  got.forEach((v, i) => {
    for (let k = 0; k < 3; k++)
      expect(
        Math.abs(v[k]! - BARS_YUV[i]![k]!),
        `bar ${i} component ${k}: ${v} vs ${BARS_YUV[i]}`,
      ).toBeLessThanOrEqual(NEAR);
  });
}

/** The table's planes of a V4L2 format, with the device's bytesperline as plane 0's pitch. */
function tablePlanes(f: PixelFormat, fmt: PixFormat) {
  return imagePlanes(f, fmt.width, fmt.height, { pitches: [fmt.planes[0]!.bytesperline] }, 'table');
}

labSuite('the format table against vivid', { needs: ['vivid', 'udmabuf', 'dma-heap', 'virtio-gpu'] }, () => {
  let fw: Framework;
  let cap: V4l2Device;
  let mp: V4l2Device;
  let offered: Set<string>;
  let offeredMp: Set<string>;

  beforeAll(async () => {
    fw = await Framework.create({
      plugins: [udmabufPlugin(), heapPlugin(), drmExporterPlugin({ device: '/dev/dri/card1', name: 'drm' })],
    });
    cap = vividCapture();
    mp = V4l2Device.find({ driver: 'vivid', queue: 'capture-mplane' });
    offered = new Set(cap.formats('capture').map((f) => f.pixelformat));
    offeredMp = new Set(mp.formats('capture-mplane').map((f) => f.pixelformat));
  });
  afterAll(async () => {
    if (cap) resetVivid(cap);
    cap?.close();
    mp?.close();
    await fw?.close();
  });

  it('S_FMT: bytesperline and sizeimage of every single-buffer format vivid offers equal the table layout (640x480 and 322x242)', () => {
    const checked: string[] = [];
    for (const f of PIXEL_FORMATS) {
      for (const v4l2 of f.v4l2.filter((v) => offered.has(v))) {
        for (const [w, h] of [
          [640, 480],
          [322, 242],
        ] as const) {
          const fmt = cap.setFormat('capture', { width: w, height: h, pixelformat: v4l2 });
          expect(fmt.pixelformat).toBe(v4l2);
          expect(fmt.drmFormat).toBe(f.fourcc);
          // the table's own minimal layout at the size the driver chose
          const l = computeLayout(
            'table',
            { width: fmt.width, height: fmt.height, format: f.fourcc, constraints: {}, options: {} },
            1,
          );
          const where = `${v4l2} (${f.fourcc}) ${fmt.width}x${fmt.height}`;
          expect(fmt.planes[0]!.bytesperline, where).toBe(l.planes[0]!.pitch);
          expect(fmt.planes[0]!.sizeimage, where).toBe(l.planes.reduce((s, p) => s + p.size, 0));
          // and the colour planes importer-v4l2 reports inside the one buffer
          expect(
            colourPlanes(v4l2, fmt.height, fmt.planes[0]!.bytesperline, fmt.planes[0]!.sizeimage),
            where,
          ).toEqual(l.planes);
          checked.push(`${v4l2}@${w}`);
        }
      }
    }
    // at least the formats the issue names
    for (const v of ['XR24', 'AR24', 'XB24', 'AB24', 'RGBP', 'RGB3', 'BGR3', 'YUYV', 'UYVY', 'YVYU'])
      expect(checked).toContain(`${v}@640`);
    for (const v of ['NV12', 'NV21', 'NV16', 'NV61', 'YU12', 'YV12']) expect(checked).toContain(`${v}@322`);
    console.log(`S_FMT checked against the table: ${checked.length} format×size pairs`);
  });

  it('S_FMT on the multi-planar API: each memory plane of every M format vivid offers equals the table plane', () => {
    const checked: string[] = [];
    for (const f of PIXEL_FORMATS) {
      const v4l2 = f.v4l2Mplane;
      if (!v4l2 || !offeredMp.has(v4l2)) continue;
      const fmt = mp.setFormat('capture-mplane', { width: 640, height: 480, pixelformat: v4l2 });
      expect(fmt.planes).toHaveLength(f.planes.length);
      const planes = imagePlanes(
        f,
        fmt.width,
        fmt.height,
        { pitches: fmt.planes.map((p) => p.bytesperline) },
        't',
      );
      const minimal = imagePlanes(f, fmt.width, fmt.height, {}, 't');
      fmt.planes.forEach((p, i) => {
        expect(p.bytesperline, `${v4l2} plane ${i}`).toBe(minimal[i]!.pitch);
        // vivid puts a 128-byte data_offset before plane 0 of NM16/NM61 (PLANE0_DATA_OFFSET) and counts it in sizeimage
        const extra = p.sizeimage - planes[i]!.size;
        expect([0, 128], `${v4l2} plane ${i}: sizeimage ${p.sizeimage}, table ${planes[i]!.size}`).toContain(
          extra,
        );
      });
      checked.push(v4l2);
    }
    expect(checked).toEqual(expect.arrayContaining(['NM12', 'NM21', 'NM16', 'NM61', 'YM12', 'YM21']));
    console.log(`multi-planar S_FMT checked: ${checked.join(' ')}`);
  });

  it('udmabuf, dma-heap and DRM dumb buffers: every format vivid offers, allocated for its S_FMT constraints, fits them', () => {
    let n = 0;
    for (const f of PIXEL_FORMATS) {
      const v4l2 = f.v4l2.find((v) => offered.has(v));
      if (!v4l2) continue;
      const fmt = cap.setFormat('capture', { width: 640, height: 480, pixelformat: v4l2 });
      const need = planeConstraints(fmt, 0);
      const want = tablePlanes(f, fmt);
      for (const exporter of ['udmabuf', 'system', 'drm']) {
        using buf = fw.export({
          exporter: exporter === 'system' ? 'dma-heap' : exporter,
          width: 640,
          height: 480,
          format: f.fourcc,
          constraints: need,
        });
        const where = `${f.fourcc} on ${exporter}`;
        expect(buf.layout.format, where).toBe(f.fourcc);
        expect(buf.layout.modifier, where).toBe(0n);
        expect(buf.layout.modifierReason, where).toMatch(/^LINEAR/);
        expect(
          buf.layout.planes.map((p) => [p.offset, p.pitch]),
          where,
        ).toEqual(want.map((p) => [p.offset, p.pitch]));
        expect(buf.layout.size, where).toBeGreaterThanOrEqual(fmt.planes[0]!.sizeimage);
        checkLayout(buf.layout, { label: `V4L2 ${cap.path}`, constraints: need }, buf.label);
        n++;
      }
    }
    console.log(`allocated and checked: ${n} buffers`);
  });

  it('NV12 capture into udmabufs laid out by the table: both planes hold the colour bars', async () => {
    resetVivid(cap);
    quietPattern(cap);
    const fmt = cap.setFormat('capture', { width: 640, height: 480, pixelformat: 'NV12' });
    const q = cap.queue('capture', { count: 3 });
    const bufs: DmaBuf[] = [];
    try {
      for (let i = 0; i < 3; i++)
        bufs.push(
          fw.export({
            exporter: 'udmabuf',
            width: 640,
            height: 480,
            format: 'NV12',
            constraints: q.constraints(),
          }),
        );
      const [y, uv] = bufs[0]!.layout.planes;
      expect([y!.pitch, uv!.offset, uv!.pitch]).toEqual([640, 640 * 480, 640]);
      for (const b of bufs) q.queue(b);
      q.start();
      await take(q, 3, (frame) => {
        using cpu = frame.buffers[0]!.cpuAccess('read');
        const bytes = cpu.bytes;
        const l = frame.buffers[0]!.layout;
        const yb = bytes.subarray(l.planes[0]!.offset, l.planes[0]!.offset + l.planes[0]!.size);
        const uvb = bytes.subarray(l.planes[1]!.offset, l.planes[1]!.offset + l.planes[1]!.size);
        expectBars(nv12Bars(yb, uvb, l.planes[0]!.pitch, l.planes[1]!.pitch, 300));
      });
      q.stop();
      expect(fmt.drmFormat).toBe('NV12');
    } finally {
      q.close();
      for (const b of bufs) if (!b.released) b.put();
    }
  });

  it('NM12 capture (multi-planar API, one buffer per plane) into udmabufs: the colour bars across both', async () => {
    quietPattern(mp);
    const fmt = mp.setFormat('capture-mplane', { width: 640, height: 480, pixelformat: 'NM12' });
    const q = mp.queue('capture-mplane', { count: 3 });
    const ys: DmaBuf[] = [];
    const uvs: DmaBuf[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        ys.push(fw.export({ exporter: 'udmabuf', constraints: q.constraints(0) }));
        uvs.push(fw.export({ exporter: 'dma-heap', constraints: q.constraints(1) }));
      }
      for (let i = 0; i < 3; i++) q.queue([ys[i]!, uvs[i]!]);
      q.start();
      await take(q, 3, (frame) => {
        expect(frame.buffers).toHaveLength(2);
        using y = frame.buffers[0]!.cpuAccess('read');
        using uv = frame.buffers[1]!.cpuAccess('read');
        expectBars(
          nv12Bars(y.bytes, uv.bytes, fmt.planes[0]!.bytesperline, fmt.planes[1]!.bytesperline, 300),
        );
      });
      q.stop();
    } finally {
      q.close();
      for (const b of [...ys, ...uvs]) if (!b.released) b.put();
    }
  });

  it('bad input: a format vivid or the table does not have, and a modifier V4L2 cannot take, are typed errors naming both sides', () => {
    let err: unknown;
    try {
      fw.export({ exporter: 'udmabuf', width: 64, height: 64, format: 'Q123' });
    } catch (e) {
      err = e;
    }
    expect((err as { cause?: unknown }).cause).toBeInstanceOf(PixelFormatError); // wrapped as a PluginError
    expect(String(err)).toMatch(/udmabuf cannot lay out format 'Q123'.*Use one of XR24/);
    const fmt = cap.setFormat('capture', { width: 640, height: 480, pixelformat: 'NV12' });
    // a device that takes only a tiled NV12 next to vivid (LINEAR only): no modifier in common
    expect(() =>
      fw.export({
        exporter: 'udmabuf',
        width: 640,
        height: 480,
        format: 'NV12',
        constraints: {
          ...planeConstraints(fmt, 0),
          formats: [{ format: 'NV12', modifiers: [0x0100000000000001n] }],
        },
      }),
    ).toThrow(/take NV12 with modifiers \[I915_X_TILED\], udmabuf lays out \[LINEAR\]/);
    // a buffer laid out for NV16 offered to a queue negotiated for NV12
    using nv16 = fw.export({ exporter: 'udmabuf', width: 640, height: 480, format: 'NV16' });
    expect(() =>
      checkLayout(
        nv16.layout,
        { label: `V4L2 ${cap.path}`, constraints: planeConstraints(fmt, 0) },
        nv16.label,
      ),
    ).toThrow(/takes formats NV12, buffer #\d+ \(udmabuf\) is NV16/);
  });
});
