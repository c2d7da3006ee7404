#include "ports.h"

#include <cerrno>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#define RXUIO_HAS_PORT_IO 1
#else
#define RXUIO_HAS_PORT_IO 0
#endif

#include "arguments.h"
#include "errors.h"

namespace rxuio {

namespace {

#if RXUIO_HAS_PORT_IO
// How many open Ports objects cover each port. Per thread, like the kernel's
// I/O permission bitmap it mirrors (each worker thread has its own).
std::vector<uint16_t>& Holders() {
  thread_local std::vector<uint16_t> holders(Ports::kPortSpace, 0);
  return holders;
}
#else
[[noreturn]] void NoPortIo(Napi::Env env) {
  ThrowCoded(env, "ENOSYS", "port I/O needs x86 (ioperm/in/out); this build is for another architecture");
}
#endif

}  // namespace

Napi::Function Ports::Define(Napi::Env env) {
  return DefineClass(env, "Ports",
                     {
                         InstanceMethod<&Ports::In8>("inb"),
                         InstanceMethod<&Ports::In16>("inw"),
                         InstanceMethod<&Ports::In32>("inl"),
                         InstanceMethod<&Ports::Out8>("outb"),
                         InstanceMethod<&Ports::Out16>("outw"),
                         InstanceMethod<&Ports::Out32>("outl"),
                         InstanceMethod<&Ports::Close>("close"),
                         InstanceAccessor<&Ports::GetClosed>("closed"),
                     });
}

Ports::Ports(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Ports>(info) {
  Napi::Env env = info.Env();
  const int64_t start = IntegerArg(info[0], "start", 0, kPortSpace - 1);
  const int64_t size = IntegerArg(info[1], "size", 1, kPortSpace);
  if (start + size > kPortSpace) {
    ThrowCoded(env, "ERANGE",
               "ports [" + std::to_string(start) + ", +" + std::to_string(size) + ") run past port 0xffff");
  }
#if RXUIO_HAS_PORT_IO
  if (ioperm(static_cast<unsigned long>(start), static_cast<unsigned long>(size), 1) != 0) {
    ThrowErrno(env, errno, "ioperm");
  }
  std::vector<uint16_t>& holders = Holders();
  for (int64_t p = start; p < start + size; ++p) ++holders[static_cast<size_t>(p)];
  start_ = static_cast<uint32_t>(start);
  size_ = static_cast<uint32_t>(size);
  open_ = true;
#else
  NoPortIo(env);
#endif
}

Ports::~Ports() { Release(); }

void Ports::Release() {
  if (!open_) return;
  open_ = false;
#if RXUIO_HAS_PORT_IO
  // Revoke only the ports no other open Ports still covers, in runs.
  std::vector<uint16_t>& holders = Holders();
  uint32_t run_start = 0;
  bool in_run = false;
  for (uint32_t p = start_; p <= start_ + size_; ++p) {
    bool drop = false;
    if (p < start_ + size_) drop = --holders[p] == 0;
    if (drop && !in_run) {
      run_start = p;
      in_run = true;
    } else if (!drop && in_run) {
      ioperm(run_start, p - run_start, 0);
      in_run = false;
    }
  }
#endif
}

uint16_t Ports::PortArg(const Napi::Value& value, unsigned bytes) const {
  Napi::Env env = value.Env();
  if (!open_) ThrowCoded(env, "ECLOSED", "the port range is closed");
  const int64_t offset = IntegerArg(value, "offset", -kMaxSafeInteger, kMaxSafeInteger);
  if (offset < 0 || offset + bytes > size_) {
    ThrowCoded(env, "ERANGE",
               "offset " + std::to_string(offset) + " + " + std::to_string(bytes) +
                   " bytes is outside the port range of " + std::to_string(size_) + " ports");
  }
  return static_cast<uint16_t>(start_ + offset);
}

#if RXUIO_HAS_PORT_IO
Napi::Value Ports::In8(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), inb(PortArg(info[0], 1)));
}
Napi::Value Ports::In16(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), inw(PortArg(info[0], 2)));
}
Napi::Value Ports::In32(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), inl(PortArg(info[0], 4)));
}
// glibc's out*() take the value first, the port second.
void Ports::Out8(const Napi::CallbackInfo& info) {
  const uint16_t port = PortArg(info[0], 1);
  outb(static_cast<uint8_t>(RegisterValueArg(info[1], 8)), port);
}
void Ports::Out16(const Napi::CallbackInfo& info) {
  const uint16_t port = PortArg(info[0], 2);
  outw(static_cast<uint16_t>(RegisterValueArg(info[1], 16)), port);
}
void Ports::Out32(const Napi::CallbackInfo& info) {
  const uint16_t port = PortArg(info[0], 4);
  outl(static_cast<uint32_t>(RegisterValueArg(info[1], 32)), port);
}
#else
Napi::Value Ports::In8(const Napi::CallbackInfo& info) { NoPortIo(info.Env()); }
Napi::Value Ports::In16(const Napi::CallbackInfo& info) { NoPortIo(info.Env()); }
Napi::Value Ports::In32(const Napi::CallbackInfo& info) { NoPortIo(info.Env()); }
void Ports::Out8(const Napi::CallbackInfo& info) { NoPortIo(info.Env()); }
void Ports::Out16(const Napi::CallbackInfo& info) { NoPortIo(info.Env()); }
void Ports::Out32(const Napi::CallbackInfo& info) { NoPortIo(info.Env()); }
#endif

void Ports::Close(const Napi::CallbackInfo& /*info*/) { Release(); }

Napi::Value Ports::GetClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !open_); }

}  // namespace rxuio
