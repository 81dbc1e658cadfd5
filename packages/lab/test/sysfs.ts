import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';

/** The kernel driver behind /sys/class/drm/<card> (virtio-gpu sits under virtio-pci). */
export function drmDriver(card: string): string {
  const dev = join('/sys/class/drm', card, 'device');
  const bound = existsSync(join(dev, 'driver')) ? basename(readlinkSync(join(dev, 'driver'))) : '';
  if (bound === 'virtio-pci') {
    const v = readdirSync(dev).find((f) => /^virtio\d+$/.test(f));
    if (v && existsSync(join(dev, v, 'driver'))) return basename(readlinkSync(join(dev, v, 'driver')));
  }
  return bound || basename(realpathSync(dev)); // vgem: a platform device named vgem, no driver bound
}

export function drmCards(): Record<string, string> {
  const cards = readdirSync('/sys/class/drm').filter((f) => /^card\d+$/.test(f));
  return Object.fromEntries(cards.map((c) => [c, drmDriver(c)]));
}

export function videoNames(): Record<string, string> {
  const dir = '/sys/class/video4linux';
  if (!existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir).map((v) => [v, readFileSync(join(dir, v, 'name'), 'utf8').trim()]),
  );
}
