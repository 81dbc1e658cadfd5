import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, release } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inLab } from '../guest/index.js';
import { repoRoot } from '../src/vitest.js';
import { drmCards, videoNames } from './sysfs.js';

const inArm64Lab = inLab() && process.env.DMABUF_LAB_ARCH === 'arm64';
const why = inLab()
  ? 'runs in the aarch64 lab only: `pnpm test:lab:arm64` (dmabuf-lab vitest --arch arm64)'
  : 'not in the dmabuf-lab guest: run `pnpm test:lab:arm64` (dmabuf-lab vitest --arch arm64)';

/** The workspace packages that ship a native binding (a prebuilds/ folder next to binding.gyp). */
function nativePackages(root: string): string[] {
  const dir = join(root, 'packages');
  return readdirSync(dir)
    .map((p) => join(dir, p))
    .filter((p) => existsSync(join(p, 'binding.gyp')));
}

if (!inArm64Lab) {
  describe(`the aarch64 lab [skipped: ${why}]`, () => {
    it(`skipped: ${why}`, (ctx) => ctx.skip(why));
  });
} else {
  describe('the aarch64 lab', () => {
    it('runs node for arm64 (≥ 20.11) on the 6.12 arm64 kernel', () => {
      console.log(`node ${process.version} ${arch()}, kernel ${release()}`);
      expect(arch()).toBe('arm64');
      expect(release()).toMatch(/^6\.(1[2-9]|[2-9]\d)\..*-arm64$/);
      const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
      expect(major > 20 || (major === 20 && minor >= 11)).toBe(true);
    });

    it('has udmabuf (built in), vgem, virtio-gpu with Virtual-1 and vivid; no dma-heap', () => {
      expect(statSync('/dev/udmabuf').isCharacterDevice()).toBe(true);
      const cards = drmCards();
      const videos = videoNames();
      console.log('drm', cards, 'video4linux', videos);
      expect(Object.values(cards)).toEqual(expect.arrayContaining(['vgem', 'virtio_gpu']));
      const gpu = Object.keys(cards).find((c) => cards[c] === 'virtio_gpu')!;
      expect(readdirSync('/sys/class/drm')).toContain(`${gpu}-Virtual-1`);
      expect(Object.values(videos).some((n) => n.startsWith('vivid'))).toBe(true);
      // Debian's arm64 kernel is built without CONFIG_DMABUF_HEAPS: heap suites skip, saying so.
      expect(existsSync('/dev/dma_heap')).toBe(false);
      expect(JSON.parse(process.env.DMABUF_LAB_UNAVAILABLE ?? '{}').dma_heap).toMatch(/CONFIG_DMABUF_HEAPS/);
    });

    it('loads every native binding from prebuilds/linux-arm64 (no compiler, build/ is the host’s x86 one)', () => {
      expect(process.env.PREBUILDS_ONLY).toBe('1');
      const root = repoRoot(process.cwd());
      const pkgs = nativePackages(root);
      expect(pkgs.length).toBeGreaterThan(0);
      for (const pkg of pkgs) {
        const req = createRequire(join(pkg, 'package.json'));
        const gypBuild = req('node-gyp-build') as ((dir: string) => unknown) & {
          resolve(dir: string): string;
        };
        const file = gypBuild.resolve(pkg);
        expect(file).toContain(join(pkg, 'prebuilds', 'linux-arm64'));
        const binding = gypBuild(pkg) as Record<string, unknown>;
        console.log(`${file.slice(root.length + 1)}: ${Object.keys(binding).length} exports`);
        expect(Object.keys(binding).length).toBeGreaterThan(0);
      }
    });
  });
}
