// Module entry: registers the native mechanisms. No policy lives here.
#include <napi.h>
#include <unistd.h>

#include "clock.h"

namespace {

Napi::Value PageSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(sysconf(_SC_PAGESIZE)));
}

Napi::Value MonotonicNow(const Napi::CallbackInfo& info) {
  return Napi::BigInt::New(info.Env(), rxuio::MonotonicNs());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("pageSize", Napi::Function::New(env, PageSize, "pageSize"));
  exports.Set("monotonicNow", Napi::Function::New(env, MonotonicNow, "monotonicNow"));
  return exports;
}

}  // namespace

NODE_API_MODULE(rxuio, Init)
