import { createHash } from 'node:crypto';

/**
 * Drivers Debian's kernel does not build (shared/LAB.md, "Beyond Debian's config"),
 * built by provisioning from the kernel's own source, out of tree, for the lab
 * kernel's exact version. `sources` are paths in linux-source's tarball (a folder
 * or files); `kbuild` replaces the folder's Makefile when the sources are loose
 * files; `config` is what the folder's Makefile tests; `symbols` names modules
 * whose exports this one uses (their Module.symvers is passed along).
 *
 * @typedef {{ name: string, sources: string[], kbuild?: string, config?: string, symbols?: string[] }} ExtraModule
 * @type {ExtraModule[]}
 */
export const extraModules = [
  {
    name: 'v4l2_mem2mem',
    sources: ['drivers/media/v4l2-core/v4l2-mem2mem.c'],
    kbuild: 'obj-m := v4l2-mem2mem.o\n',
  },
  {
    name: 'vim2m',
    sources: ['drivers/media/test-drivers/vim2m.c'],
    kbuild: 'obj-m := vim2m.o\n',
    symbols: ['v4l2_mem2mem'],
  },
  {
    name: 'vicodec',
    sources: ['drivers/media/test-drivers/vicodec'],
    config: 'CONFIG_VIDEO_VICODEC=m',
    symbols: ['v4l2_mem2mem'],
  },
  { name: 'vimc', sources: ['drivers/media/test-drivers/vimc'], config: 'CONFIG_VIDEO_VIMC=m' },
  { name: 'vkms', sources: ['drivers/gpu/drm/vkms'], config: 'CONFIG_DRM_VKMS=m' },
];

export const extraModuleNames = extraModules.map((m) => m.name);

/**
 * Make arguments every build gets. BTF for modules is off: it needs pahole, and
 * the lab loads modules without BTF just the same.
 */
export const kbuildArgs = ['CONFIG_DEBUG_INFO_BTF_MODULES='];

/** Where built modules live in the kernel tree (depmod searches `updates/` first). */
export const extraModulesDir = 'updates/dmabuf-lab';

/** Changes when the recipe changes: a cache built by another recipe is rebuilt. */
export function extraModulesKey() {
  return createHash('sha256')
    .update(JSON.stringify({ extraModules, kbuildArgs, v: 1 }))
    .digest('hex')
    .slice(0, 12);
}

/**
 * The Debian packages one build needs, for a kernel version like `6.12.118+deb12-amd64`
 * (headers, their `-common` part and kbuild carry the ABI name; the source carries the series).
 * @param {string} kernelVersion
 */
export function buildPackages(kernelVersion) {
  const abi = kernelVersion.replace(/-[a-z0-9]+$/, '');
  const series = /^(\d+\.\d+)/.exec(kernelVersion)?.[1] ?? '';
  return {
    headers: `linux-headers-${kernelVersion}`,
    common: `linux-headers-${abi}-common`,
    kbuild: `linux-kbuild-${abi}`,
    source: `linux-source-${series}`,
  };
}
