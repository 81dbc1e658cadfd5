import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AllocationRequest, DmaBufError, Framework, SystemError } from '@dmabuf/core';
import { memfdExporterPlugin, refusalOf } from '@dmabuf/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFramebuffer,
  DrmDevice,
  type DrmDeviceInfo,
  DrmError,
  drmNodes,
  findDrmDevice,
  ImportRefusedError,
  layoutOf,
  NoDisplayError,
  planDumb,
  UnsupportedFormatError,
  unmetNeeds,
} from '../src/index.js';

const req = (r: Partial<AllocationRequest>): AllocationRequest => ({ constraints: {}, options: {}, ...r });

describe('dumb buffer planning', () => {
  it('plans an image: bpp from the format, stacked rows for semi-planar formats', () => {
    expect(planDumb(req({ width: 64, height: 48, format: 'XR24' }), 'dev')).toMatchObject({
      width: 64,
      height: 48,
      dumbWidth: 64,
      dumbHeight: 48,
    });
    expect(planDumb(req({ width: 64, height: 48, format: 'NV12' }), 'dev')).toMatchObject({
      dumbWidth: 16,
      dumbHeight: 72,
    });
    expect(planDumb(req({ width: 64, height: 48 }), 'dev').info.fourcc).toBe('XR24');
  });

  it('plans a size-only buffer as R8 rows of 4096 bytes (late allocation from constraints too)', () => {
    expect(planDumb(req({ size: 10000 }), 'dev')).toMatchObject({
      width: 4096,
      height: 3,
      dumbWidth: 1024,
      dumbHeight: 3,
    });
    expect(planDumb(req({ constraints: { minSize: 5 * 4096 - 100 } }), 'dev')).toMatchObject({ height: 5 });
  });

  it('widens to a pitch alignment an attached device asks for', () => {
    expect(
      planDumb(req({ width: 100, height: 10, constraints: { pitchAlignment: 256 } }), 'dev'),
    ).toMatchObject({
      width: 100,
      pitch: 512,
      dumbWidth: 128,
    });
    // height alignment: NV12 rows 100 → 128, chroma 64: 192 rows of plane 0's pitch
    expect(
      planDumb(req({ width: 64, height: 100, format: 'NV12', constraints: { heightAlignment: 32 } }), 'dev'),
    ).toMatchObject({ rows: 128, dumbWidth: 16, dumbHeight: 192 });
    // YU12: chroma planes at half the pitch, stacked into plane 0's rows
    expect(planDumb(req({ width: 64, height: 48, format: 'YU12' }), 'dev')).toMatchObject({
      pitch: 64,
      dumbHeight: 72,
    });
  });

  it('refuses bad input with typed errors that name the numbers', () => {
    expect(() => planDumb(req({ width: 64 }), 'dev')).toThrow(/height/);
    expect(() => planDumb(req({ width: 0, height: 4 }), 'dev')).toThrow(/width but received 0/);
    expect(() =>
      planDumb(
        req({
          width: 4,
          height: 4,
          format: 'XR24',
          constraints: { formats: [{ format: 'XR24', modifiers: [7n] }] },
        }),
        'DRM card1 (x)',
      ),
    ).toThrow(/take XR24 with modifiers \[NONE 0x7\], DRM card1 \(x\) \(dumb buffers\) lays out \[LINEAR\]/);
    expect(() => planDumb(req({ width: 4, height: 4, format: 'Y0L0' }), 'DRM card1 (x)')).toThrow(
      UnsupportedFormatError,
    );
    expect(() =>
      planDumb(
        req({ width: 4, height: 4, format: 'XR24', constraints: { formats: [{ format: 'YUYV' }] } }),
        'd',
      ),
    ).toThrow(/not one the attached devices take \(YUYV\)/);
    expect(() => planDumb(req({}), 'DRM card0 (vgem)')).toThrow(/DRM card0 \(vgem\): nothing says how big/);
  });

  it("lays out the planes from the driver's pitch", () => {
    const plan = planDumb(req({ width: 64, height: 48, format: 'NV12' }), 'dev');
    expect(layoutOf(plan, 64, 8192)).toEqual({
      size: 8192,
      width: 64,
      height: 48,
      format: 'NV12',
      modifier: 0n,
      modifierReason: expect.stringMatching(/^LINEAR: the default/),
      planes: [
        { offset: 0, pitch: 64, size: 3072 },
        { offset: 3072, pitch: 64, size: 1536 },
      ],
    });
  });
});

const vgem: DrmDeviceInfo = {
  path: '/dev/dri/card0',
  node: 'primary',
  driver: 'vgem',
  version: { name: 'vgem', date: '0', desc: '', major: 1, minor: 0, patch: 0 },
  caps: {
    dumbBuffers: true,
    primeImport: true,
    primeExport: true,
    addFb2Modifiers: false,
    atomic: false,
    kms: false,
  },
  connectors: [],
};
const virtio: DrmDeviceInfo = {
  ...vgem,
  path: '/dev/dri/card1',
  driver: 'virtio_gpu',
  caps: { ...vgem.caps, atomic: true, kms: true },
  connectors: [{ name: 'Virtual-1', connection: 'connected', modes: 3 }],
};

describe('device needs', () => {
  it('says what a device lacks, and nothing when it fits', () => {
    expect(unmetNeeds(vgem, { display: true })).toBe('no KMS');
    expect(unmetNeeds(vgem, { atomic: true, driver: 'virtio_gpu' })).toBe(
      'driver is vgem, not virtio_gpu, no atomic',
    );
    expect(unmetNeeds(virtio, { display: true, atomic: true })).toBe('');
    expect(unmetNeeds(virtio, { connector: 'HDMI-A-1' })).toBe('no connector HDMI-A-1');
    const off = {
      ...virtio,
      connectors: [{ name: 'Virtual-1', connection: 'disconnected' as const, modes: 0 }],
    };
    expect(unmetNeeds(off, { display: true })).toBe('no connected display (Virtual-1 disconnected)');
  });

  it('lists card nodes before render nodes, each in numeric order, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dri-'));
    for (const n of ['renderD129', 'card10', 'renderD128', 'card2', 'by-path', 'controlD64', 'card1'])
      writeFileSync(join(dir, n), '');
    expect(drmNodes(dir).map((p) => p.slice(dir.length + 1))).toEqual([
      'card1',
      'card2',
      'card10',
      'renderD128',
      'renderD129',
    ]);
    expect(drmNodes(join(dir, 'missing'))).toEqual([]);
  });

  it('finding a device where there is none is a typed error saying what to do', () => {
    const empty = mkdtempSync(join(tmpdir(), 'dri-'));
    expect(() => findDrmDevice({}, empty)).toThrow(DmaBufError);
    expect(() => findDrmDevice({ display: true }, empty)).toThrow(NoDisplayError);
    expect(() => findDrmDevice({}, empty)).toThrow(/no DRM device under .*Load a DRM driver/);
  });

  it('opening no such device, or a file that is not DRM, is a typed error naming the path', () => {
    const e = refusalOf(() => DrmDevice.open('/dev/dri/card99'), SystemError);
    expect(e.code).toBe('ENOENT');
    expect(e.message).toMatch(/\/dev\/dri\/card99.*listDrmDevices/);
    expect(() => DrmDevice.open('/dev/null')).toThrow(/\/dev\/null: cannot read the driver version.*ENOTTY/);
    expect(() => DrmDevice.open(42 as unknown as string)).toThrow(/Expected a string/);
  });
});

describe('typed errors', () => {
  it('an import refusal names the device, its driver, the exporter and the errno', () => {
    const e = new ImportRefusedError(
      'DRM card1 (virtio_gpu)',
      'virtio_gpu',
      'udmabuf',
      'buffer #4 (udmabuf)',
      19,
    );
    expect(e).toBeInstanceOf(DrmError);
    expect(e).toBeInstanceOf(DmaBufError);
    expect(e).toMatchObject({
      code: 'ENODEV',
      errno: 19,
      driver: 'virtio_gpu',
      exporter: 'udmabuf',
      device: 'DRM card1 (virtio_gpu)',
    });
    expect(e.message).toMatch(
      /virtio_gpu refused to import buffer #4 \(udmabuf\) exported by udmabuf.*ENODEV.*copy/,
    );
  });
});

describe('framebuffer checks before any ioctl', () => {
  let fw: Framework;
  // Only .label/.caps are read before the checks pass; no ioctl is reached in these cases.
  const kmsDevice = {
    label: 'DRM card1 (virtio_gpu)',
    caps: { kms: true, addFb2Modifiers: false },
  } as unknown as DrmDevice;
  const accepted = { formats: ['XR24'], label: 'plane 31 of DRM card1 (virtio_gpu)' };
  beforeAll(async () => {
    fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
  });
  afterAll(async () => {
    await fw.close();
  });

  it('refuses a device without KMS', () => {
    const buf = fw.export({ width: 32, height: 32, format: 'XR24' });
    const noKms = { label: 'DRM card0 (vgem)', caps: { kms: false } } as unknown as DrmDevice;
    expect(() => createFramebuffer(noKms, buf)).toThrow(/card0 \(vgem\): has no modesetting/);
    buf.put();
  });

  it('refuses a format the plane does not take, listing what it takes', () => {
    const buf = fw.export({ width: 32, height: 32, format: 'RG16' });
    const e = refusalOf(() => createFramebuffer(kmsDevice, buf, {}, accepted), UnsupportedFormatError);
    expect(e.message).toMatch(
      /plane 31 of DRM card1 \(virtio_gpu\) does not take format RG16.*It takes: XR24/,
    );
    buf.put();
  });

  it('refuses a modifier the plane does not list (IN_FORMATS), naming the plane, the format and both lists', () => {
    const withMods = { ...kmsDevice, caps: { kms: true, addFb2Modifiers: true } } as unknown as DrmDevice;
    const tiledOnly = { ...accepted, modifiers: new Map([['XR24', [0x0100000000000001n]]]) };
    const buf = fw.export({ width: 32, height: 32, format: 'XR24' });
    const e = refusalOf(() => createFramebuffer(withMods, buf, {}, tiledOnly), UnsupportedFormatError);
    expect(e).toMatchObject({ code: 'EINVAL', format: 'XR24', modifier: 0n });
    expect(e.message).toMatch(
      /plane 31 of DRM card1 \(virtio_gpu\) takes XR24 with modifiers \[I915_X_TILED\], buffer #\d+ \(memfd-test\) has \[LINEAR\]/,
    );
    const linearOnly = { ...accepted, modifiers: new Map([['XR24', [0n]]]) };
    expect(() => createFramebuffer(withMods, buf, { modifier: 0x0100000000000002n }, linearOnly)).toThrow(
      /takes XR24 with modifiers \[LINEAR\], .* has \[I915_Y_TILED\]/,
    );
    buf.put();
  });

  it('refuses a modifier on a device without ADDFB2 modifiers; a plane without IN_FORMATS takes LINEAR only', () => {
    const buf = fw.export({ width: 32, height: 32, format: 'XR24' });
    expect(() => createFramebuffer(kmsDevice, buf, { modifier: 0x0100000000000001n })).toThrow(
      /takes no format modifiers \(asked 0x100000000000001 for XR24\)/,
    );
    expect(() => createFramebuffer(kmsDevice, buf, { modifier: 0x0100000000000001n }, accepted)).toThrow(
      /plane 31 of DRM card1 \(virtio_gpu\) takes XR24 with modifiers \[LINEAR\], .* has \[I915_X_TILED\]/,
    );
    buf.put();
  });

  it('refuses a buffer too small for pitch × height, naming the numbers', () => {
    const buf = fw.export({ size: 4096 });
    const e = refusalOf(
      () =>
        createFramebuffer(
          kmsDevice,
          buf,
          { width: 64, height: 64, format: 'XR24', pitches: [256] },
          accepted,
        ),
      DrmError,
    );
    expect(e.message).toMatch(
      /card1.*64x64 XR24 framebuffer needs 16384 bytes \(plane 0: offset 0 \+ pitch 256 × 64 rows\), buffer #\d+ \(memfd-test\) has 4096/,
    );
    expect(() =>
      createFramebuffer(kmsDevice, buf, { width: 64, height: 8, format: 'XR24', pitches: [100] }, accepted),
    ).toThrow(/pitch of at least 256 bytes.*has 100/);
    expect(() => createFramebuffer(kmsDevice, buf, {}, accepted)).toThrow(/width, height and format/);
    buf.put();
  });
});
