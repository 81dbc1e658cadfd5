import { afterEach, describe, expect, it, vi } from 'vitest';
import { whyUnavailable } from '../guest/index.js';
import { hostLabArch, labArch } from '../src/arch.js';
import { arm64RootKey, arm64RootPackages, guestNode } from '../src/arm64-root.js';
import { driverFunctions } from '../src/drivers.js';
import { paramsScript } from '../src/guest-files.js';
import { pickKernelPackage } from '../src/kernel-pick.js';
import { qemuArgs } from '../src/qemu-args.js';
import { defaultReportPath, vitestArgv } from '../src/vitest.js';

const paths = { vmlinuz: '/k/Image', initramfs: '/k/i.gz', runDir: '/r', outDir: '/o' };

describe('the aarch64 lab', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('knows arm64 and x64 by their usual names; anything else is a usage error', () => {
    expect(labArch('aarch64').name).toBe('arm64');
    expect(labArch('amd64').name).toBe('x64');
    expect(labArch('x86_64').name).toBe('x64');
    expect(() => labArch('riscv64')).toThrow(/unknown --arch riscv64 \(x64 or arm64\)/);
    vi.stubEnv('DMABUF_LAB_ARCH', 'arm64');
    expect(labArch().name).toBe('arm64');
  });

  it("defaults to the host's arch: an arm64 board tests in the aarch64 lab, every other host in x64", () => {
    expect(hostLabArch('arm64')).toBe('arm64');
    expect(hostLabArch('x64')).toBe('x64');
    expect(hostLabArch('arm')).toBe('x64');
    vi.stubEnv('DMABUF_LAB_ARCH', '');
    expect(labArch().name).toBe(hostLabArch(process.arch));
  });

  it('picks the newest 6.12 arm64 unsigned kernel, never an amd64, 16k, rt or cloud one', () => {
    const names = [
      'linux-image-6.12.118+deb12-amd64-unsigned',
      'linux-image-6.12.117+deb12-arm64-unsigned',
      'linux-image-6.12.118+deb12-arm64-unsigned',
      'linux-image-6.12.119+deb12-arm64-16k-unsigned',
      'linux-image-6.12.119+deb12-rt-arm64-unsigned',
      'linux-image-6.12.119+deb12-cloud-arm64-unsigned',
    ];
    expect(pickKernelPackage(names, 'arm64')).toEqual({
      pkg: 'linux-image-6.12.118+deb12-arm64-unsigned',
      kernelVersion: '6.12.118+deb12-arm64',
    });
    expect(pickKernelPackage(names)?.kernelVersion).toBe('6.12.118+deb12-amd64');
  });

  it('boots -M virt with a software CPU on the PL011 console, the arm64 root shared as archroot', () => {
    const arch = labArch('arm64');
    const args = qemuArgs({ ...paths, accel: 'tcg', arch, archRoot: '/c/arm64/root-x' });
    expect(args.slice(0, 2)).toEqual(['-M', 'virt']);
    expect(args.join(' ')).toContain('-accel tcg,thread=multi -cpu cortex-a72');
    expect(args).not.toContain('-vga');
    expect(args[args.indexOf('-append') + 1]).toMatch(/^console=ttyAMA0 /);
    expect(args).toContain(
      'local,path=/c/arm64/root-x,mount_tag=archroot,security_model=none,readonly=on,multidevs=remap',
    );
    expect(args).toContain('virtio-gpu-pci');
  });

  it('leaves the x86 lab’s command line as it was', () => {
    const args = qemuArgs({ ...paths, accel: 'tcg' });
    expect(args[0]).toBe('-nodefaults');
    expect(args.join(' ')).toContain('-cpu max -m 2048');
    expect(args.join(' ')).toContain('-vga none');
    expect(args.join(' ')).not.toContain('archroot');
    expect(args[args.indexOf('-append') + 1]).toMatch(/^console=ttyS0 /);
  });

  it('does not wait for a dma-heap the arm64 kernel lacks, and lays the arm64 root over the host’s', () => {
    expect(driverFunctions(['vgem'], () => '')).toContain('/dev/dma_heap/system');
    const fns = driverFunctions(['vgem', 'dma_heap'], () => '', ['dma_heap']);
    expect(fns).not.toContain('dma_heap');
    expect(fns).toContain('/dev/udmabuf');
    const params = paramsScript({
      drivers: ['vgem'],
      moduleOpts: {},
      modRoot: '/m',
      hugepages: 0,
      ninepCache: 'loose',
      archRoot: true,
      absent: ['dma_heap'],
    });
    expect(params).toContain('ARCHROOT=1');
  });

  it('tells a heap suite in the arm64 guest why it skips', () => {
    vi.stubEnv('DMABUF_LAB', '1');
    vi.stubEnv('DMABUF_LAB_DRIVERS', 'vgem');
    vi.stubEnv('DMABUF_LAB_UNAVAILABLE', JSON.stringify(labArch('arm64').unavailable));
    expect(whyUnavailable(['dma_heap'])).toMatch(/dma_heap is not available: .*without CONFIG_DMABUF_HEAPS/);
    expect(whyUnavailable(['udmabuf', 'vgem'])).toBe('');
    vi.stubEnv('DMABUF_LAB_UNAVAILABLE', '{}');
    expect(whyUnavailable(['dma_heap'])).toBe('');
  });

  it('runs vitest with the guest’s arm64 node and keeps its report apart from the x86 one', () => {
    expect(vitestArgv('/v.mjs', [], { node: '/usr/bin/node' })[0]).toBe('/usr/bin/node');
    expect(vitestArgv('/v.mjs', [], { config: 'vitest.config.ts' }).slice(2, 5)).toEqual([
      'run',
      '--config',
      'vitest.config.ts',
    ]);
    expect(defaultReportPath('/nowhere/pkg', 'arm64')).toMatch(/pkg-lab-arm64\.json$/);
    expect(defaultReportPath('/nowhere/pkg')).toMatch(/pkg-lab\.json$/);
  });

  it('builds its userland from named Debian arm64 packages and a pinned node ≥ 20.11', () => {
    expect(arm64RootPackages).toEqual(
      expect.arrayContaining(['busybox-static', 'kmod', 'libc6', 'libstdc++6']),
    );
    const [major, minor] = guestNode.version.split('.').map(Number);
    expect(major! > 20 || (major === 20 && minor! >= 11)).toBe(true);
    expect(arm64RootKey()).toMatch(/^[0-9a-f]{12}$/);
  });
});
