import {
  DmaBufError,
  Framework,
  fdSize,
  imagePlanes,
  MOD_LINEAR,
  PIXEL_FORMATS,
  type PixelFormat,
  PixelFormatError,
} from '@dmabuf/core';
import { refusalOf } from '@dmabuf/core/testing';
import { heapPlugin } from '@dmabuf/exporter-heap';
import { udmabufPlugin } from '@dmabuf/exporter-udmabuf';
import { labSuite } from '@dmabuf/lab/suite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DRM_CLIENT_CAP } from '../../exporter-drm/src/constants.js';
import {
  createFramebuffer,
  DrmDevice,
  drmExporterPlugin,
  readKms,
  UnsupportedFormatError,
} from '../../exporter-drm/src/index.js'; // with its internals below: one module
import { drmNative } from '../../exporter-drm/src/native.js';
import { VGEM, VIRTIO } from '../../exporter-drm/test/lab.js';

const SIZES = [
  [640, 480],
  [322, 242],
] as const;
const X_TILED = 0x0100000000000001n;

/** What a call threw, unwrapped from the PluginError the core wraps exporter hook errors in. */
function causeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return (e as { cause?: unknown }).cause ?? e;
  }
  throw new Error('did not throw');
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** Write the last byte of the last plane and read it back through a new CPU access. */
function touchLastPlane(buf: import('@dmabuf/core').DmaBuf): void {
  const last = buf.layout.planes.at(-1)!;
  const at = last.offset + last.size - 1;
  {
    using w = buf.cpuAccess('write');
    w.bytes[at] = 0x5a;
  }
  using r = buf.cpuAccess('read');
  expect(r.bytes[at]).toBe(0x5a);
}

function expectPlanes(
  buf: import('@dmabuf/core').DmaBuf,
  f: PixelFormat,
  pitch0: number,
  where: string,
): void {
  const l = buf.layout;
  const want = imagePlanes(f, l.width!, l.height!, { pitches: [pitch0] }, 'table');
  expect(l.format, where).toBe(f.fourcc);
  expect(l.modifier, where).toBe(MOD_LINEAR);
  expect(l.modifierReason, where).toMatch(/^LINEAR/);
  expect(
    l.planes.map((p) => [p.offset, p.pitch, p.size]),
    where,
  ).toEqual(want.map((p) => [p.offset, p.pitch, p.size]));
  expect(fdSize(buf.borrowFd()), where).toBe(l.size);
  expect(l.size, where).toBeGreaterThanOrEqual(want.reduce((s, p) => s + p.size, 0));
}

labSuite(
  'every format of the table on every exporter',
  { needs: ['vgem', 'virtio-gpu', 'udmabuf', 'dma-heap'] },
  () => {
    let vgem: DrmDevice;
    let virtio: DrmDevice;
    let fw: Framework;
    beforeAll(async () => {
      vgem = DrmDevice.open(VGEM);
      virtio = DrmDevice.open(VIRTIO);
      // list primary and cursor planes too (what a Display does)
      expect(drmNative().setClientCap(virtio.fd, DRM_CLIENT_CAP.UNIVERSAL_PLANES, 1)).toBe(0);
      fw = await Framework.create({
        plugins: [
          udmabufPlugin(),
          heapPlugin(),
          drmExporterPlugin({ device: vgem, name: 'vgem' }),
          drmExporterPlugin({ device: virtio, name: 'virtio' }),
        ],
      });
    });
    afterAll(async () => {
      await fw?.close();
      vgem?.close();
      virtio?.close();
    });

    it('udmabuf and dma-heap lay out all of them at the table pitches; the fd holds every plane', () => {
      for (const exporter of ['udmabuf', 'dma-heap']) {
        for (const f of PIXEL_FORMATS) {
          for (const [width, height] of SIZES) {
            using buf = fw.export({ exporter, width, height, format: f.fourcc });
            const minimal = imagePlanes(f, width, height, {}, 'table');
            expectPlanes(buf, f, minimal[0]!.pitch, `${f.fourcc} ${width}x${height} on ${exporter}`);
            touchLastPlane(buf);
          }
        }
      }
    });

    it("DRM dumb buffers on vgem and virtio-gpu: CREATE_DUMB's pitch is the table's pitch at 32 bpp granularity, the planes follow it", () => {
      for (const exporter of ['vgem', 'virtio']) {
        for (const f of PIXEL_FORMATS) {
          for (const [width, height] of SIZES) {
            using buf = fw.export({ exporter, width, height, format: f.fourcc });
            const minimal = imagePlanes(f, width, height, {}, 'table');
            // dumb buffers are asked as 32 bpp rows: the kernel's pitch is the table's rounded up to 4 bytes
            const pitch = buf.layout.planes[0]!.pitch;
            expect(pitch, `${f.fourcc} ${width}x${height} on ${exporter}`).toBe(
              roundUp(minimal[0]!.pitch, 4),
            );
            expectPlanes(buf, f, pitch, `${f.fourcc} ${width}x${height} on ${exporter}`);
            touchLastPlane(buf);
          }
        }
      }
    });

    it('ADDFB2 on virtio-gpu accepts each format a plane lists and refuses the others with a typed error', () => {
      const listed = new Set(readKms(virtio, { planes: true }).planes.flatMap((p) => p.formats));
      const accepted: string[] = [];
      const refused: string[] = [];
      for (const f of PIXEL_FORMATS) {
        using buf = fw.export({ exporter: 'virtio', width: 640, height: 480, format: f.fourcc });
        if (listed.has(f.fourcc)) {
          using fb = createFramebuffer(virtio, buf);
          expect(fb.id).toBeGreaterThan(0);
          expect([fb.format, fb.modifier]).toEqual([f.fourcc, 0n]);
          accepted.push(f.fourcc);
        } else {
          // virtio-gpu's fb_create says ENOENT for a format it does not scan out, the core EINVAL
          let err: unknown;
          try {
            createFramebuffer(virtio, buf);
          } catch (e) {
            err = e;
          }
          expect(err, f.fourcc).toBeInstanceOf(DmaBufError);
          expect(err).toMatchObject({
            code: expect.stringMatching(/^(EINVAL|ENOENT)$/),
            syscall: expect.stringMatching(/ADDFB2/),
          });
          expect(String(err)).toMatch(
            new RegExp(`640x480 ${f.fourcc} framebuffer.*does not scan out ${f.fourcc}`),
          );
          refused.push(f.fourcc);
        }
      }
      expect(accepted).toContain('XR24');
      console.log(
        `virtio-gpu planes list ${[...listed].join(' ')}; ADDFB2 took ${accepted.join(' ')}, refused ${refused.length}`,
      );
    });

    it('a modifier the plane does not list is refused before ADDFB2, naming the plane, the format and both lists', () => {
      const plane = readKms(virtio, { planes: true }).planes.find((p) => p.type === 'primary')!;
      const accepted = { formats: plane.formats, label: `plane ${plane.id} of ${virtio.label}` };
      using buf = fw.export({ exporter: 'virtio', width: 64, height: 64, format: 'XR24' });
      const e = refusalOf(
        () => createFramebuffer(virtio, buf, { modifier: X_TILED }, accepted),
        UnsupportedFormatError,
      );
      expect(e).toMatchObject({ format: 'XR24', modifier: X_TILED });
      expect(String(e)).toMatch(
        new RegExp(
          `plane ${plane.id} of DRM card1 \\(virtio_gpu\\) takes XR24 with modifiers \\[LINEAR\\], buffer #\\d+ \\(virtio\\) has \\[I915_X_TILED\\]`,
        ),
      );
      expect((e as { syscall?: string }).syscall).toBeUndefined(); // no ioctl was made
      // LINEAR on the same plane goes through
      using fb = createFramebuffer(virtio, buf, {}, accepted);
      expect(fb.modifier).toBe(0n);
    });

    it('bad input: a format, a modifier or a size that cannot work is a typed error naming what was asked and what is there', () => {
      for (const exporter of ['udmabuf', 'dma-heap']) {
        expect(causeOf(() => fw.export({ exporter, width: 64, height: 64, format: 'Q123' }))).toBeInstanceOf(
          PixelFormatError,
        );
        expect(() => fw.export({ exporter, width: 64, height: 64, format: 'Q123' })).toThrow(
          /Use one of XR24, .*NV16/,
        );
        expect(() =>
          fw.export({
            exporter,
            width: 64,
            height: 64,
            format: 'NV12',
            constraints: { formats: [{ format: 'NV12', modifiers: [X_TILED] }] },
          }),
        ).toThrow(/take NV12 with modifiers \[I915_X_TILED\], .* lays out \[LINEAR\]/);
        expect(() => fw.export({ exporter, width: 0, height: 64, format: 'NV12' })).toThrow(/width/);
      }
      expect(() => fw.export({ exporter: 'vgem', width: 64, height: 64, format: 'Q123' })).toThrow(
        /no dumb-buffer layout for format 'Q123'.*Use one of XR24/,
      );
      expect(() => fw.export({ exporter: 'vgem', width: 16385, height: 4, format: 'XR24' })).toThrow(
        /between 1 and 16384/,
      );
    });
  },
);
