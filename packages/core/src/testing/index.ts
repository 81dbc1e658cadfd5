// Test helpers that need no test runner. The contract suite (vitest) is
// `@dmabuf/core/contract`.
export { type BenchResult, repoRoot, writeBenchResult } from './bench-result.js';
export { fdDelta } from './fd-leak.js';
export { type LinkMeasure, type LinkMeter, linkMeter } from './link-meter.js';
export {
  type HookCall,
  MemfdExporter,
  type MemfdExporterOptions,
  type MemfdPriv,
  memfdExporterPlugin,
} from './memfd-exporter.js';
export { type ErrorClass, refusalOf } from './refusal-of.js';
export { type StallingSink, type StallingSinkOptions, stallingSink } from './stalling-sink.js';
