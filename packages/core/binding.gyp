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
        "native/poll_state.cc",
        "native/poll_ops.cc",
        "native/watcher_ops.cc",
        "native/socket_ops.cc",
        "native/socket_receive.cc",
        "native/socket_send.cc",
        "native/convert_ops.cc",
        "native/link_engine.cc",
        "native/link_thread.cc",
        "native/link_ops.cc",
        "native/link_stats.cc",
        "native/link_ports.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!(node -p \"require('@dmabuf/core/native-build').include_dir\")"
      ],
      "defines": ["<!@(node -p \"require('@dmabuf/core/native-build').defines\")"],
      "cflags_cc": ["<!@(node -p \"require('@dmabuf/core/native-build').cflags_cc\")"],
      "cflags_cc!": ["-fno-rtti"]
    }
  ]
}
