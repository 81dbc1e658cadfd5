import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { whyUnavailable } from '../guest/index.js';
import { loadWaves, moduleOptions } from '../src/drivers.js';
import { buildPackages, extraModulesKey } from '../src/extra-modules.js';
import { extraModulesPath, ownKernelModules, readModulesManifest } from '../src/module-build.js';

describe('the drivers provisioning builds', () => {
  it('loads shared helpers, then v4l2-mem2mem, then Debian’s drivers, then the built ones', () => {
    expect(loadWaves(['udmabuf', 'vgem', 'vivid', 'virtio_gpu', 'vim2m', 'vkms'])).toEqual([
      ['videobuf2_vmalloc', 'videobuf2_v4l2', 'drm_kms_helper', 'drm_shmem_helper'],
      ['v4l2_mem2mem'],
      ['vgem'],
      ['vivid', 'virtio_gpu'],
      ['vim2m', 'vkms'],
    ]);
    expect(loadWaves(['vgem', 'vivid', 'virtio_gpu'])).toEqual([['vgem'], ['vivid', 'virtio_gpu']]);
  });

  it('gives vkms its overlay and writeback by default; the environment or the caller overrides', () => {
    expect(moduleOptions('vkms', {}, {})).toBe('enable_overlay=1 enable_writeback=1');
    expect(moduleOptions('vkms', {}, { DMABUF_LAB_VKMS_OPTS: 'enable_cursor=1' })).toBe('enable_cursor=1');
    expect(moduleOptions('vkms', { vkms: '' }, { DMABUF_LAB_VKMS_OPTS: 'x=1' })).toBe('');
    expect(moduleOptions('vivid', {}, { DMABUF_LAB_VIVID_OPTS: 'n_devs=2' })).toBe('n_devs=2');
    expect(moduleOptions('vgem', {}, {})).toBe('');
  });

  it('fetches headers, their -common part, kbuild and the source for the exact kernel', () => {
    expect(buildPackages('6.12.118+deb12-amd64')).toEqual({
      headers: 'linux-headers-6.12.118+deb12-amd64',
      common: 'linux-headers-6.12.118+deb12-common',
      kbuild: 'linux-kbuild-6.12.118+deb12',
      source: 'linux-source-6.12',
    });
  });
});

describe('the modules manifest', () => {
  let root = '';
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const version = '6.12.1+deb12-amd64';

  it('is reused only when built by this recipe and every module it lists is there', () => {
    root = mkdtempSync(join(tmpdir(), 'lab-mods-'));
    const dir = extraModulesPath(root, version);
    mkdirSync(dir, { recursive: true });
    const m = {
      key: extraModulesKey(),
      kernelVersion: version,
      built: ['vim2m'],
      failed: { vkms: 'x' },
      seconds: 1,
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    expect(readModulesManifest(root, version)).toBeNull(); // vim2m.ko missing
    writeFileSync(join(dir, 'vim2m.ko'), 'elf');
    expect(readModulesManifest(root, version)).toEqual(m);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, key: 'older-recipe' }));
    expect(readModulesManifest(root, version)).toBeNull();
  });

  it('for a kernel of one’s own, says which drivers its modules.dep lacks', () => {
    root = mkdtempSync(join(tmpdir(), 'lab-mods-'));
    mkdirSync(join(root, 'lib/modules', version), { recursive: true });
    writeFileSync(
      join(root, 'lib/modules', version, 'modules.dep'),
      'kernel/drivers/media/v4l2-core/v4l2-mem2mem.ko.xz:\nkernel/drivers/gpu/drm/vkms/vkms.ko.xz: x\n',
    );
    const m = ownKernelModules(root, version);
    expect(m.built).toEqual(['v4l2_mem2mem', 'vkms']);
    expect(Object.keys(m.failed)).toEqual(['vim2m', 'vicodec', 'vimc']);
    expect(m.failed.vicodec).toMatch(/CONFIG_VIDEO_VICODEC=m/);
  });
});

describe('whyUnavailable (guest side)', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('outside the lab: says to run the lab', () => {
    vi.stubEnv('DMABUF_LAB', '');
    expect(whyUnavailable(['vkms'])).toMatch(/not in the dmabuf-lab guest \(vkms\): run `pnpm test:lab`/);
  });

  it('in the lab: a driver that did not build says why; one not asked for says how to ask', () => {
    vi.stubEnv('DMABUF_LAB', '1');
    vi.stubEnv('DMABUF_LAB_DRIVERS', 'vgem vivid vim2m');
    vi.stubEnv('DMABUF_LAB_UNAVAILABLE', JSON.stringify({ vkms: 'make exited with 2: error: x' }));
    expect(whyUnavailable(['vim2m', 'udmabuf', 'dma-heap'])).toBe('');
    expect(whyUnavailable(['vkms'])).toBe('vkms is not available: make exited with 2: error: x');
    expect(whyUnavailable(['vicodec'])).toMatch(/vicodec is not loaded: add it to .*--drivers/);
  });
});
