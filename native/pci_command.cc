#include "pci_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "arguments.h"
#include "errors.h"

namespace rxuio {

PciCommandResult SetIntxEnabled(int fd, bool enabled) {
  PciCommandResult result;
  uint16_t command = 0;
  ssize_t r;
  do {
    r = pread(fd, &command, sizeof command, kPciCommandOffset);
  } while (r < 0 && errno == EINTR);
  if (r != static_cast<ssize_t>(sizeof command)) {
    result.err = r < 0 ? errno : EIO;
    result.short_io = r >= 0;
    result.syscall = "pread";
    return result;
  }
  const uint16_t next = static_cast<uint16_t>(enabled ? (command & ~kPciIntxDisable) : (command | kPciIntxDisable));
  // An unchanged word would only cost a config-space cycle.
  if (next == command) return result;
  do {
    r = pwrite(fd, &next, sizeof next, kPciCommandOffset);
  } while (r < 0 && errno == EINTR);
  if (r != static_cast<ssize_t>(sizeof next)) {
    result.err = r < 0 ? errno : EIO;
    result.short_io = r >= 0;
    result.syscall = "pwrite";
  }
  return result;
}

Napi::Error PciCommandError(Napi::Env env, const PciCommandResult& result, const std::string& path) {
  if (result.short_io) {
    Napi::Error error =
        CodedError(env, "EIO", path + " is shorter than a PCI configuration header (no command word at offset 4)");
    error.Set("syscall", Napi::String::New(env, result.syscall));
    error.Set("path", Napi::String::New(env, path));
    return error;
  }
  return ErrnoError(env, result.err, result.syscall, path);
}

Napi::Function PciCommand::Define(Napi::Env env) {
  return DefineClass(env, "PciCommand",
                     {
                         InstanceMethod<&PciCommand::SetEnabled>("setIntxEnabled"),
                         InstanceMethod<&PciCommand::Close>("close"),
                         InstanceAccessor<&PciCommand::GetClosed>("closed"),
                     });
}

PciCommand::PciCommand(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PciCommand>(info) {
  path_ = PathArg(info[0], "configPath");
  fd_ = open(path_.c_str(), O_RDWR | O_CLOEXEC);
  if (fd_ < 0) ThrowErrno(info.Env(), errno, "open", path_);
}

PciCommand::~PciCommand() {
  if (fd_ >= 0) close(fd_);
}

void PciCommand::SetEnabled(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (fd_ < 0) ThrowCoded(env, "ECLOSED", path_ + " is closed");
  const bool enabled = BooleanArg(info[0], "enabled");
  const PciCommandResult result = SetIntxEnabled(fd_, enabled);
  if (result.err != 0) throw PciCommandError(env, result, path_);
}

void PciCommand::Close(const Napi::CallbackInfo& /*info*/) {
  if (fd_ < 0) return;
  close(fd_);
  fd_ = -1;
}

Napi::Value PciCommand::GetClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), fd_ < 0); }

}  // namespace rxuio
