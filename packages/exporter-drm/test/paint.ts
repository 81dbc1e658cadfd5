import type { DmaBuf } from '@dmabuf/core';
import { type DrmDevice, readKms } from '../src/index.js';

export type Rgb = [number, number, number];
export const RED: Rgb = [255, 0, 0];
export const GREEN: Rgb = [0, 255, 0];
export const BLUE: Rgb = [0, 0, 255];
export const WHITE: Rgb = [255, 255, 255];

const xrgb = ([r, g, b]: Rgb) => ((r << 16) | (g << 8) | b) >>> 0;

/** Fill an XR24 buffer through CPU access: four quadrants, or one colour. */
export function paint(buf: DmaBuf, quadrants: [Rgb, Rgb, Rgb, Rgb] | Rgb): void {
  const { width = 0, height = 0, planes } = buf.layout;
  const stride = planes[0]!.pitch / 4;
  using w = buf.cpuAccess('write');
  const px = new Uint32Array(w.arrayBuffer);
  const q = Array.isArray(quadrants[0])
    ? (quadrants as [Rgb, Rgb, Rgb, Rgb])
    : [quadrants as Rgb, quadrants as Rgb, quadrants as Rgb, quadrants as Rgb];
  const hw = width >> 1;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const top = y < height >> 1;
    px.fill(xrgb(q[top ? 0 : 2]!), row, row + hw);
    px.fill(xrgb(q[top ? 1 : 3]!), row + hw, row + width);
  }
}

export function near(a: Rgb, b: Rgb, tol = 8): boolean {
  return a.every((v, i) => Math.abs(v - b[i]!) <= tol);
}

export function crtcFb(dev: DrmDevice, crtcId: number): number {
  return readKms(dev, { planes: false }).crtcs.find((c) => c.id === crtcId)!.fbId;
}
