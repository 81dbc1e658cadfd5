/**
 * `@dmabuf/core/driver`: for authors of driver packages that ship an addon
 * of their own (as exporter-udmabuf, exporter-heap, exporter-drm and
 * importer-v4l2 do). Not needed to use dmabuf-js, nor to write a plugin on
 * top of the core's fd calls (`@dmabuf/core/plugin` + `@dmabuf/core`).
 *
 * - `loadAddon(packageRoot, packageName, buildDeps?)`: load the package's node-addon-api
 *   binding (prebuilds or build/Release); when nothing loads, a
 *   NativeLoadError that lists fixes. With `NODE_DEBUG=dmabuf:<section>`
 *   every call into it is logged (`traceAddon`).
 * - `check(result, syscall, what, hint)`: the one way a native `-errno`
 *   result becomes a typed SystemError.
 * - `debugLog(section)`: the package's own NODE_DEBUG log, for its steps.
 * - `memfdBits(options)`: memfd_create's flags and the F_SEAL_* bits for a
 *   native call that makes its own memfd (the kernel's numbers live in
 *   core's addon only).
 * - `FdWatcher` and `POLL_BITS`: the one readiness watcher (libuv, on a
 *   duplicate of the fd) that the core, the V4L2 queues and the DRM events
 *   wait with. Its native side, `dmabuf::Watch`, and the rest of the native
 *   toolkit (`dmabuf::Args` argument checks, `dmabuf::Retry`/`Ioctl`,
 *   `-errno` results) are headers in core's native/include, found by a
 *   binding.gyp through `require('@dmabuf/core/native-build')`.
 */
export type { DebugLog } from './debug-log.js';
export { debugLog } from './debug-log-checked.js';
export { debugSection, loadAddon } from './load-addon.js';
export { type MemfdBits, memfdBits } from './memfd.js';
export { FdWatcher, POLL_BITS } from './poll.js';
export { type CallContext, check, type Hint } from './syscall.js';
export { traceAddon } from './trace-addon.js';
