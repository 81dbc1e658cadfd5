import type { PrebuildTarget } from './targets.js';
export function nodeCacheDir(env?: NodeJS.ProcessEnv): string;
export function cachedForeignNode(target: PrebuildTarget, env?: NodeJS.ProcessEnv): string | null;
export function foreignNode(
  target: PrebuildTarget,
  opts?: { env?: NodeJS.ProcessEnv; log?: (line: string) => void },
): string;
