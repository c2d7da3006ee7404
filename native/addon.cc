// Module entry: registers the native mechanisms. No policy lives here; the
// TS wrappers in src/native/ decide defaults and map errors to RxuioError.
#include <napi.h>
#include <unistd.h>

#include "clock.h"
#include "event_fd.h"
#include "irq_service.h"
#include "pci_command.h"
#include "ports.h"
#include "region.h"
#include "sampler.h"

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
  exports.Set("Region", rxuio::Region::Define(env));
  exports.Set("EventFd", rxuio::EventFd::Define(env));
  exports.Set("Ports", rxuio::Ports::Define(env));
  exports.Set("Sampler", rxuio::Sampler::Define(env));
  exports.Set("IrqService", rxuio::IrqService::Define(env));
  exports.Set("PciCommand", rxuio::PciCommand::Define(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(rxuio, Init)
