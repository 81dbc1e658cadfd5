import { createRequire } from 'node:module';
import { diagnoseAddon } from './addon-platform.js';
import { debugLog } from './debug-log.js';
import { invalidArgument, NativeLoadError } from './errors.js';
import { traceAddon } from './trace-addon.js';

const require = createRequire(import.meta.url);

/**
 * Load a package's node-addon-api binding (prebuilds/ or build/Release via
 * node-gyp-build). When nothing loads, throw a NativeLoadError naming this
 * platform, the prebuilds the package ships and, when none is for this
 * platform, what a build from source needs and how to install it.
 * Driver packages use this for their own addons; `buildDeps` are the system
 * packages their from-source build needs beyond a compiler, make and python3.
 *
 * With `NODE_DEBUG=dmabuf` or `dmabuf:<section>` every call into the binding
 * is logged with its arguments and result (see `traceAddon`); the section is
 * the package name without its scope and an `exporter-`/`importer-` prefix
 * (`@dmabuf/importer-v4l2` → `dmabuf:v4l2`, `@dmabuf/core` → `dmabuf:core`).
 * Off, the binding is returned as it is: no wrapper, no cost.
 */
export function loadAddon<T>(
  packageRoot: string,
  packageName: string,
  buildDeps?: { debian: string[]; alpine: string[] },
): T {
  if (typeof packageRoot !== 'string')
    throw invalidArgument('packageRoot', "the package's folder", packageRoot);
  if (typeof packageName !== 'string')
    throw invalidArgument('packageName', "the package's name", packageName);
  if (
    buildDeps !== undefined &&
    (typeof buildDeps !== 'object' ||
      buildDeps === null ||
      !Array.isArray(buildDeps.debian) ||
      !Array.isArray(buildDeps.alpine))
  )
    throw invalidArgument('buildDeps', '{ debian: string[], alpine: string[] }', buildDeps);
  if (process.platform !== 'linux') {
    throw new NativeLoadError(`${packageName} works on Linux only (this is ${process.platform})`, {
      code: 'ENOSYS',
      hint: 'dma-buf is a Linux kernel interface; run this on Linux',
    });
  }
  let addon: T & object;
  try {
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
    addon = nodeGypBuild(packageRoot) as T & object;
  } catch (cause) {
    const d = diagnoseAddon(packageRoot, packageName, buildDeps);
    throw new NativeLoadError(
      `${packageName}: its native binding could not be loaded on ${d.platform} (node ${process.version})`,
      { code: d.hasPrebuild ? 'ELIBBAD' : 'ENOENT', cause, hint: d.hint },
    );
  }
  giveArgumentErrors(addon);
  // A copy: an addon's exports object, its functions set one by one, is in
  // dictionary mode, where optimised code loads each addon.fn through a
  // generic LoadIC call; the copy has fast properties (a field load).
  return { ...traceAddon(addon, debugLog(debugSection(packageName))) };
}

/**
 * Hand the addon the factory of the native toolkit's argument refusals
 * (`dmabuf::Args` in core's native/include): a wrong type, NaN, a fraction, a
 * negative or too large number then throws an InvalidArgumentError naming the
 * argument before any syscall. An addon not built on the toolkit has no
 * `setArgumentError` and is left as it is.
 */
function giveArgumentErrors(addon: object): void {
  const set = (addon as { setArgumentError?: unknown }).setArgumentError;
  if (typeof set === 'function')
    set.call(addon, (name: string, expected: string, received: unknown) =>
      invalidArgument(name, expected, received, NATIVE_ARGUMENT_HINT),
    );
}

const NATIVE_ARGUMENT_HINT =
  'Pass a value of the type named (a whole number in range, not NaN, a fraction or a string); if this came through the public API, its own checks missed it: please report it';

/** The NODE_DEBUG section of a package: `@dmabuf/exporter-drm` → `drm`, `my-plugin` → `my-plugin`. */
export function debugSection(packageName: string): string {
  if (typeof packageName !== 'string') throw invalidArgument('packageName', "a package's name", packageName);
  return packageName.replace(/^@[^/]+\//, '').replace(/^(exporter|importer)-/, '');
}
