/** The lab's devices (LAB.md): vgem is card0, virtio-gpu card1 with connector Virtual-1. */
export const VGEM = '/dev/dri/card0';
export const VIRTIO = '/dev/dri/card1';
