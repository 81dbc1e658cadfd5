{
  "targets": [
    {
      "target_name": "dmabuf_core",
      "sources": [
        "native/addon.cc",
        "native/fd_ops.cc",
        "native/mmap_ops.cc",
        "native/memfd_ops.cc",
        "native/sync_ops.cc",
        "native/poll_ops.cc",
        "native/socket_ops.cc",
        "native/convert_ops.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-fno-exceptions"],
      "cflags_cc!": ["-fno-rtti"]
    }
  ]
}
