import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { labOutDir } from '../guest/index.js';
import { labSuite } from '../guest/suite.js';
import { drmCards, videoNames } from './sysfs.js';

labSuite('the lab guest', () => {
  it('runs the 6.12 backports kernel', () => {
    console.log(`kernel ${release()}`);
    expect(release()).toMatch(/^(6\.(1[2-9]|[2-9]\d)|[7-9]\.\d+)\./); // 6.12 or newer
  });

  it('has /dev/udmabuf and the system dma-heap (built in)', () => {
    expect(statSync('/dev/udmabuf').isCharacterDevice()).toBe(true);
    expect(statSync('/dev/dma_heap/system').isCharacterDevice()).toBe(true);
  });

  it('has vgem and virtio-gpu DRM cards, virtio-gpu with the Virtual-1 connector', () => {
    const cards = drmCards();
    console.log('drm', cards);
    const drivers = Object.values(cards);
    expect(drivers).toContain('vgem');
    expect(drivers).toContain('virtio_gpu');
    const gpu = Object.keys(cards).find((c) => cards[c] === 'virtio_gpu')!;
    expect(readdirSync('/sys/class/drm')).toContain(`${gpu}-Virtual-1`);
    expect(statSync(join('/dev/dri', gpu)).isCharacterDevice()).toBe(true);
  });

  it('has vivid V4L2 nodes', () => {
    const names = videoNames();
    console.log('video4linux', names);
    expect(Object.values(names).some((n) => n.startsWith('vivid'))).toBe(true);
    for (const v of Object.keys(names)) expect(statSync(join('/dev', v)).isCharacterDevice()).toBe(true);
  });

  it('reserved 2 MiB hugepages for the hugetlb udmabuf cases', () => {
    const meminfo = readFileSync('/proc/meminfo', 'utf8');
    expect(Number(/HugePages_Total:\s+(\d+)/.exec(meminfo)?.[1])).toBeGreaterThan(0);
    expect(meminfo).toMatch(/Hugepagesize:\s+2048 kB/);
  });

  it('has a writable root and a writable out share', () => {
    writeFileSync('/usr/local/dmabuf-lab-write-test', 'x'); // overlay over the read-only host root
    writeFileSync(join(labOutDir(), 'written-by-guest.txt'), 'ok\n');
    expect(process.getuid?.()).toBe(0);
  });
});
