export { describeExporterContract, type ContractSetup } from './contract.js';
export { fdDelta } from './fd-leak.js';
export { MemfdExporter, memfdExporterPlugin, type HookCall, type MemfdExporterOptions } from './memfd-exporter.js';
export { repoRoot, writeBenchResult, type BenchResult } from './bench-result.js';
