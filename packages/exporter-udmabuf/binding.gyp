{
  "targets": [
    {
      "target_name": "dmabuf_udmabuf",
      "sources": ["native/addon.cc", "native/device_ops.cc", "native/create_ops.cc"],
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
