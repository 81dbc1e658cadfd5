{
  "targets": [
    {
      "target_name": "dmabuf_drm",
      "sources": [
        "native/addon.cc",
        "native/device_ops.cc",
        "native/gem_ops.cc",
        "native/mode_ops.cc",
        "native/prop_ops.cc",
        "native/fb_ops.cc",
        "native/event_ops.cc",
        "native/vgem_ops.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-fno-exceptions"],
      "cflags_cc!": ["-fno-rtti"]
    }
  ]
}
