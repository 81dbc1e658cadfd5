export { type BenchResult, repoRoot, writeBenchResult } from './bench-result.js';
export { type ContractSetup, describeExporterContract } from './contract.js';
export { fdDelta } from './fd-leak.js';
export {
  type HookCall,
  MemfdExporter,
  type MemfdExporterOptions,
  memfdExporterPlugin,
} from './memfd-exporter.js';
