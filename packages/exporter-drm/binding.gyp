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
        "native/vgem_ops.cc",
        "native/port_plane.cc"
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
