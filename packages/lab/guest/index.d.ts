/** An 8-bit RGB image: width*height*3 bytes, rows top to bottom. */
export interface RgbImage {
  width: number;
  height: number;
  pixels: Buffer;
}

export interface Screendump extends RgbImage {
  /** The PNG, as the guest sees it (inside $DMABUF_LAB_OUT). */
  path: string;
  /** QEMU's raw PPM, as the guest sees it. */
  ppmPath: string;
  /** The PNG on the host. */
  hostPath: string;
}

/** True inside the dmabuf-lab guest (DMABUF_LAB=1). */
export function inLab(): boolean;
/** The guest path of the writable share the host reads back; throws outside the lab. */
export function labOutDir(): string;
/** Ask the host for a screendump of the virtual display and wait for it. */
export function screendump(name: string, opts?: { timeoutMs?: number }): Promise<Screendump>;
/** Parse a binary (P6, 8-bit) PPM. */
export function parsePpm(buf: Buffer): RgbImage;
/** Read a binary (P6, 8-bit) PPM file. */
export function readPpm(path: string): RgbImage;
/** [r, g, b] at (x, y). */
export function pixelAt(img: RgbImage, x: number, y: number): [number, number, number];
/** Why the lab drivers `names` cannot be used here ('' when all are loaded): not in the lab, not built, not asked for. */
export function whyUnavailable(names?: string[]): string;
