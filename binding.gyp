{
  # One addon, build/Release/rxuio.node: thin mechanisms only (see native/).
  # node-addon-api's "except" target turns on C++ exceptions and
  # NAPI_CPP_EXCEPTIONS, so native failures surface as JS errors, never aborts.
  "targets": [
    {
      "target_name": "rxuio",
      "sources": [
        "native/addon.cc",
        "native/arguments.cc",
        "native/errors.cc",
        "native/event_fd.cc",
        "native/irq_service.cc",
        "native/pci_command.cc",
        "native/ports.cc",
        "native/region.cc",
        "native/register_access.cc",
        "native/sampler.cc"
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      # NAPI 8: napi_detach_arraybuffer (7) is needed to cut views off on close.
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_cc!": ["-std=gnu++17", "-fno-exceptions"]
    }
  ]
}
