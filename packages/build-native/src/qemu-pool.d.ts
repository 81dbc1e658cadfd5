import type { PoolRunnerInitializer } from 'vitest/node';
export function qemuMissing(arch: string, env?: NodeJS.ProcessEnv): string[];
export function qemuPool(arch: 'x64' | 'arm64' | 'arm'): PoolRunnerInitializer;
