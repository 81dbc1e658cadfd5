import { assertUint } from './validate.js';
/** One plane of an image buffer: where it starts and how its rows are laid out. */
export interface PlaneLayout {
  /** Byte offset of the plane in the buffer. */
  offset: number;
  /** Bytes per row (pitch/stride); 0 for non-image data. */
  pitch: number;
  /** Bytes the plane occupies. */
  size: number;
}

/**
 * What an exporter knows of a buffer it allocated: the total size, and for
 * images the format and planes. Sent alongside the fd across processes.
 */
export interface BufferLayout {
  /** Total size in bytes (what lseek(SEEK_END) reports). */
  size: number;
  /** Image width in pixels (images only). */
  width?: number;
  /** Image height in pixels (images only). */
  height?: number;
  /** DRM fourcc code as 4 ASCII characters, e.g. 'XR24' for XRGB8888. */
  format?: string;
  /** DRM format modifier; 0n is LINEAR. */
  modifier?: bigint;
  /** Why the exporter chose `modifier` (e.g. "LINEAR: the default ..."); stays in this process. */
  modifierReason?: string;
  /** Planes in memory order, each with its offset and pitch; one plane of the whole size for a plain buffer. */
  planes: PlaneLayout[];
}

/** A single-plane layout of `size` bytes. */
export function linearLayout(size: number): BufferLayout {
  assertUint('size', size);
  return { size, planes: [{ offset: 0, pitch: 0, size }] };
}
