{
  "targets": [
    {
      "target_name": "dmabuf_v4l2",
      "sources": [
        "native/addon.cc",
        "native/device_ops.cc",
        "native/control_ops.cc",
        "native/buffer_ops.cc",
        "native/poll_ops.cc",
        "native/event_ops.cc",
        "native/media_ops.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-fno-exceptions"],
      "cflags_cc!": ["-fno-rtti"]
    }
  ]
}
