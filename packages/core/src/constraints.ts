/**
 * What a device (importer) needs of a buffer. Attachments collect these; an
 * exporter allocating late satisfies their intersection (see mergeConstraints).
 */
export interface Constraints {
  /** Minimum total size in bytes. */
  minSize?: number;
  /** Minimum size of each plane (index = plane), e.g. V4L2's per-plane sizeimage. */
  minPlaneSizes?: readonly number[];
  /** Size and offsets must be multiples of this (power of two). */
  alignment?: number;
  /** Pitch must be a multiple of this. */
  pitchAlignment?: number;
  /** Rows of plane 0 must be a multiple of this (codecs: 16 or 32); chroma planes follow by subsampling. */
  heightAlignment?: number;
  /** Exact pitch per plane the device will use (e.g. V4L2 bytesperline). */
  pitches?: readonly number[];
  /** The device needs physically contiguous memory (a single segment). */
  contiguous?: boolean;
  /** Formats the device accepts (DRM fourccs of the format table), each with the modifiers it takes (absent = LINEAR only). */
  formats?: readonly FormatConstraint[];
  /** Exporter names (exp_name) the device can import from; absent = any. */
  exporters?: readonly string[];
}

/** A pixel format a device takes (DRM fourcc, e.g. `XR24`), with the modifiers it takes it with (none listed: LINEAR only). */
export interface FormatConstraint {
  /** DRM fourcc of the format table, e.g. 'XR24', 'NV12'. */
  format: string;
  /** The modifiers the device takes the format with, in its order of preference; absent: LINEAR (0n) only. */
  modifiers?: readonly bigint[];
}

/** @internal An export request without constraints: one shared object, never changed. */
export const NO_CONSTRAINTS: Readonly<Constraints> = Object.freeze({});

/** The constraints of one attaching party, labelled for messages. */
export interface LabelledConstraints {
  /** Who asked, e.g. "V4L2 /dev/video0". */
  label: string;
  /** What that party needs of the buffer. */
  constraints: Constraints;
}
