// Port I/O for UIO port regions (x86 only): ioperm() for the range, then
// width-exact in/out relative to its start. The I/O permission bitmap is
// per thread, so a Ports object must be used on the thread that opened it
// (the JS thread that constructed it). Overlapping ranges are reference
// counted per port, so closing one Ports never revokes another's access.
#pragma once

#include <napi.h>

#include <cstdint>

namespace rxuio {

class Ports : public Napi::ObjectWrap<Ports> {
 public:
  // x86 has 65536 I/O ports.
  static constexpr int64_t kPortSpace = 0x10000;

  static Napi::Function Define(Napi::Env env);

  // new Ports(start, size)
  explicit Ports(const Napi::CallbackInfo& info);
  ~Ports() override;

 private:
  uint16_t PortArg(const Napi::Value& value, unsigned bytes) const;
  void Release();

  Napi::Value In8(const Napi::CallbackInfo& info);
  Napi::Value In16(const Napi::CallbackInfo& info);
  Napi::Value In32(const Napi::CallbackInfo& info);
  void Out8(const Napi::CallbackInfo& info);
  void Out16(const Napi::CallbackInfo& info);
  void Out32(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  Napi::Value GetClosed(const Napi::CallbackInfo& info);

  uint32_t start_ = 0;
  uint32_t size_ = 0;
  bool open_ = false;
};

}  // namespace rxuio
