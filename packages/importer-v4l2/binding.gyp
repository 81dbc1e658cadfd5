{
  "targets": [
    {
      "target_name": "dmabuf_v4l2",
      "sources": [
        "native/addon.cc",
        "native/device_ops.cc",
        "native/control_ops.cc",
        "native/buffer_ops.cc",
        "native/event_ops.cc",
        "native/media_ops.cc",
        "native/port_capture.cc"
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
