import { inLab } from '@dmabuf/lab/guest';

/** Lab tests run only inside the lab (dmabuf-lab vitest); elsewhere they skip saying why. */
export const IN_LAB = inLab();
export const NOT_IN_LAB = 'not in the dmabuf-lab guest: run `pnpm test:lab` (vgem and virtio-gpu live there)';

/** The lab's devices (LAB.md): vgem is card0, virtio-gpu card1 with connector Virtual-1. */
export const VGEM = '/dev/dri/card0';
export const VIRTIO = '/dev/dri/card1';
