import type { PlaneLayout } from './layout.js';

/** One contiguous piece of a buffer as the exporter knows it. */
export interface SgSegment {
  /** Offset of this piece within the dma-buf. */
  offset: number;
  /** Bytes in this piece. */
  length: number;
  /** Where the piece comes from, exporter-specific: e.g. `memfd:5@0x2000` for a udmabuf range. */
  source?: string;
}

/**
 * The scatterlist a map returns: the segments that make up the buffer and the
 * planes of the image in it. Valid until the mapping is unmapped.
 */
export interface SgTable {
  /** The pieces in dma-buf offset order; one segment when the exporter's memory is contiguous. */
  segments: readonly SgSegment[];
  /** The image planes (offset, pitch, size) in the buffer, as in its layout. */
  planes: readonly PlaneLayout[];
  /** Sum of the segments' lengths. */
  size: number;
}

/** Direction of a device mapping, as the kernel's DMA_TO_DEVICE etc. */
export type MapDirection = 'to-device' | 'from-device' | 'bidirectional';

/** Every MapDirection value. */
export const MAP_DIRECTIONS: readonly MapDirection[] = ['to-device', 'from-device', 'bidirectional'];

/** CPU access mode. */
export type CpuAccessMode = 'read' | 'write' | 'readwrite';

/** Every CpuAccessMode value. */
export const CPU_ACCESS_MODES: readonly CpuAccessMode[] = ['read', 'write', 'readwrite'];
