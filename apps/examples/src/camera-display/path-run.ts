// What the zero-copy and copy paths share: their inputs and the part of the
// pipeline's result each one counts.
import type { Framework } from '@dmabuf/core';
import type { V4l2Device } from '@dmabuf/importer-v4l2';
import type { FormatChoice } from './format-choice.js';
import type { PipelineOptions, PipelineResult } from './pipeline-types.js';

/** What both paths work with (each gets its own Display, closed when it is done). */
export interface PathRun {
  fw: Framework;
  camera: V4l2Device;
  choice: FormatChoice;
  options: PipelineOptions;
  log: (line: string) => void;
}

/** The part of the pipeline's result a path counts. */
export type Counted = Omit<
  PipelineResult,
  'camera' | 'display' | 'modeReason' | 'format' | 'displayFormat' | 'copyReason'
>;

/** `n` rounded to `digits` decimals. */
export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
