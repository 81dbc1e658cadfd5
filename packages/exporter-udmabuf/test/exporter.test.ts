import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeFd, createMemfd, Framework, PluginError, plainDevice } from '@dmabuf/core';
import { fdDelta, refusalOf } from '@dmabuf/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableHugePages, exportRanges, UdmabufError, udmabufPlugin } from '../src/index.js';

// Host tests: this kernel has no /dev/udmabuf, so these cover everything the
// exporter decides before the ioctl. The driver itself is tested in the lab.
const PAGE = 4096;
const params = mkdtempSync(join(tmpdir(), 'udmabuf-params-'));
writeFileSync(join(params, 'size_limit_mb'), '1\n');
writeFileSync(join(params, 'list_limit'), '2\n');
const plugin = udmabufPlugin({ device: join(params, 'no-such-udmabuf'), paramsDir: params });
let fw: Framework;
beforeAll(async () => {
  fw = await Framework.create({ plugins: [plugin] });
});
afterAll(async () => {
  await fw.close();
  rmSync(params, { recursive: true, force: true });
});

/** The exporter's own error behind the core's PluginError. */
function refusal(fn: () => unknown): UdmabufError | Error {
  const e = refusalOf(fn, PluginError);
  expect(e.plugin).toBe('udmabuf');
  return e.cause as Error;
}

describe('udmabuf exporter on a host without udmabuf', () => {
  it('says how to get /dev/udmabuf, and leaves no memfd behind', async () => {
    expect(
      await fdDelta(() => {
        const e = refusal(() => fw.export({ exporter: 'udmabuf', size: 3 * PAGE }));
        expect(e).toMatchObject({ code: 'ENOENT', errno: 2 });
        expect(e.message).toContain('CONFIG_UDMABUF');
        expect(e.message).toContain('dmabuf-lab run');
      }),
    ).toBe(0);
  });

  it('refuses a buffer over size_limit_mb, naming the parameter and how to raise it', () => {
    const e = refusal(() => fw.export({ exporter: 'udmabuf', size: 2 * 1024 * 1024 })) as UdmabufError;
    expect(e).toBeInstanceOf(UdmabufError);
    expect(e.limit).toBe('size_limit_mb');
    expect(e.errno).toBe(22);
    expect(e.message).toContain('limit of 1 MiB (module parameter size_limit_mb)');
    expect(e.message).toContain(`echo 2 > ${params}/size_limit_mb`);
  });

  it('honours a limit raised at run time', () => {
    writeFileSync(join(params, 'size_limit_mb'), '4\n');
    try {
      const e = refusal(() => fw.export({ exporter: 'udmabuf', size: 2 * 1024 * 1024 }));
      expect(e).toMatchObject({ code: 'ENOENT' });
    } finally {
      writeFileSync(join(params, 'size_limit_mb'), '1\n');
      plugin.exporter.limits.fresh();
    }
  });

  it('refuses more ranges than list_limit, naming the parameter', async () => {
    const fd = createMemfd('udmabuf-host', 4 * PAGE, { seals: ['shrink'] });
    try {
      const ranges = [0, 1, 2].map((i) => ({ memfd: fd, offset: i * PAGE, size: PAGE }));
      const e = refusal(() => exportRanges(fw, ranges)) as UdmabufError;
      expect(e.limit).toBe('list_limit');
      expect(e.message).toContain('at most 2 ranges');
      expect(e.message).toContain('list_limit');
    } finally {
      closeFd(fd);
    }
  });

  it('checks caller ranges through the public API: seals, alignment, memfd-ness, size', () => {
    const unsealed = createMemfd('udmabuf-host', 4 * PAGE);
    const sealed = createMemfd('udmabuf-host', 4 * PAGE, { seals: ['shrink'] });
    try {
      const x = (ranges: object[], extra: object = {}) =>
        refusal(() =>
          fw.export({ exporter: 'udmabuf', ...extra, options: { ranges } }).allocate(),
        ) as UdmabufError;
      expect(x([{ memfd: unsealed }]).seal).toBe('F_SEAL_SHRINK');
      expect(x([{ memfd: sealed, offset: 100 }]).code).toBe('EINVAL');
      expect(x([{ memfd: 0, size: PAGE }]).code).toBe('EBADFD');
      expect(x([{ memfd: sealed, size: PAGE }], { size: 2 * PAGE }).message).toContain('does not match');
      expect(x([{ memfd: sealed, size: PAGE }], { width: 64, height: 64, format: 'XR24' }).message).toContain(
        'image needs 16384 bytes, the ranges hold 4096',
      );
    } finally {
      closeFd(unsealed);
      closeFd(sealed);
    }
  });

  it('refuses hugetlb when no huge pages are free, saying how to reserve them', (ctx) => {
    if (availableHugePages() > 0)
      ctx.skip('this host has free huge pages; the refusal is tested where there are none');
    const e = refusal(() =>
      fw.export({ exporter: 'udmabuf', size: PAGE, options: { hugetlb: true } }),
    ) as UdmabufError;
    expect(e.code).toBe('ENOMEM');
    expect(e.message).toContain('/proc/sys/vm/nr_hugepages');
  });

  it('late allocation refuses a device that needs contiguous memory, before touching the kernel', async () => {
    expect(
      await fdDelta(() => {
        const buf = fw.export({ exporter: 'udmabuf' });
        const att = buf.attach(plainDevice('dma-engine', { minSize: 64 * 1024, contiguous: true }));
        const e = refusal(() => att.map());
        expect(e.message).toContain('needs physically contiguous memory');
        expect(e.message).toContain('hugetlb: true');
        att.detach();
        buf.put();
      }),
    ).toBe(0);
  });

  it('refuses to allocate for a device that imports only from other exporters', () => {
    const buf = fw.export({ exporter: 'udmabuf' });
    const att = buf.attach(plainDevice('virtio-gpu', { minSize: PAGE, exporters: ['virtio_gpu'] }));
    expect(refusal(() => att.map())).toMatchObject({ code: 'ENODEV' });
    att.detach();
    buf.put();
  });

  it('refuses unknown options', () => {
    expect(() => fw.export({ exporter: 'udmabuf', size: PAGE, options: { hugepage: true } })).toThrow(
      /options\.hugepage/,
    );
  });
});
