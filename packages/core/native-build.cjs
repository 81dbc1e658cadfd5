// What a binding.gyp of a dmabuf-js addon takes from @dmabuf/core, found at
// build time (gyp's `includes` take no computed path; `<!(...)` can run node):
//
//   "include_dirs": [
//     "<!(node -p \"require('node-addon-api').include_dir\")",
//     "<!(node -p \"require('@dmabuf/core/native-build').include_dir\")"
//   ],
//   "defines": ["<!@(node -p \"require('@dmabuf/core/native-build').defines\")"],
//   "cflags_cc": ["<!@(node -p \"require('@dmabuf/core/native-build').cflags_cc\")"],
//   "cflags_cc!": ["-fno-rtti"]
//
// A driver depends on @dmabuf/core, so this resolves in the workspace, in a
// cross build's folder and in an installed tarball (npm rebuild) alike.
// CommonJS on purpose: `node -p "require(...)"` must load it on every node
// the package supports.
'use strict';
const { join } = require('node:path');

module.exports = {
  /** The toolkit's headers: #include <dmabuf/toolkit.h>. */
  include_dir: join(__dirname, 'native', 'include'),
  /** N-API level and node-addon-api mode every addon is built with (space-separated, for `<!@`). */
  defines: ['NAPI_VERSION=8', 'NAPI_DISABLE_CPP_EXCEPTIONS', 'NODE_ADDON_API_DISABLE_DEPRECATED'].join(' '),
  /**
   * C++ flags (space-separated). Hidden visibility keeps each addon's copy of
   * the header-only toolkit its own (only the module's init is exported).
   */
  cflags_cc: ['-std=c++17', '-Wall', '-Wextra', '-fno-exceptions', '-fvisibility=hidden'].join(' '),
};
