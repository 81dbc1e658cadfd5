import { Framework } from '@dmabuf/core';
import { afterAll, beforeAll } from 'vitest';
import { DrmDevice, drmExporterPlugin, listDrmDevices } from '../src/index.js';

/** The lab's devices (LAB.md): vgem is card0, virtio-gpu card1 with connector Virtual-1. */
export const VGEM = '/dev/dri/card0';
export const VIRTIO = '/dev/dri/card1';

/** vkms's card: with vkms loaded the lab has several cards, so it is found by driver, never by number. */
export const vkms = (): string => listDrmDevices().find((d) => d.driver === 'vkms')!.path;

/** A lab suite's display device and a framework exporting dumb buffers from it. */
export interface DrmLab {
  readonly dev: DrmDevice;
  readonly fw: Framework;
}

/** Opens `path` (or what it returns) before the suite's tests and closes both after them. */
export function useDrmLab(path: string | (() => string)): DrmLab {
  let dev: DrmDevice | undefined;
  let fw: Framework | undefined;
  beforeAll(async () => {
    dev = DrmDevice.open(typeof path === 'string' ? path : path());
    fw = await Framework.create({ plugins: [drmExporterPlugin({ device: dev })] });
  });
  afterAll(async () => {
    await fw?.close();
    dev?.close();
  });
  return {
    get dev() {
      if (!dev) throw new Error('the lab device is opened in beforeAll');
      return dev;
    },
    get fw() {
      if (!fw) throw new Error('the lab framework is made in beforeAll');
      return fw;
    },
  };
}
