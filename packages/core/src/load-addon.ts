import { createRequire } from 'node:module';
import { NativeLoadError } from './errors.js';

const require = createRequire(import.meta.url);

/**
 * Load a package's node-addon-api binding (prebuilds/ or build/Release via
 * node-gyp-build). When nothing loads, throw a NativeLoadError listing fixes.
 * Driver packages use this for their own addons.
 */
export function loadAddon<T>(packageRoot: string, packageName: string): T {
  if (process.platform !== 'linux') {
    throw new NativeLoadError(`${packageName} works on Linux only (this is ${process.platform})`, {
      code: 'ENOSYS',
      hint: 'dma-buf is a Linux kernel interface; run this on Linux',
    });
  }
  try {
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
    return nodeGypBuild(packageRoot) as T;
  } catch (cause) {
    throw new NativeLoadError(`${packageName}: its native binding could not be loaded from ${packageRoot}`, {
      code: 'ENOENT',
      cause,
      hint:
        'Fixes: (1) build it: `pnpm --filter ' +
        packageName +
        ' build` (needs python3, make, g++ and the node headers); ' +
        '(2) reinstall the package so its install step can build it; ' +
        '(3) check that this node (' +
        process.version +
        ') matches the one it was built for',
    });
  }
}
