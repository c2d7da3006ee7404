// The PCI command register's INTx-disable bit, set or cleared by
// read-modify-write of the 16-bit word at offset 4 of sysfs device/config.
//
// Always read afresh, never a remembered word: other bits (bus master,
// memory enable) may be changed by someone else between two calls, and an
// unmask must not undo them. The word is written only when the bit changes.
// Used by the interrupt service thread (no JS involved) and by the JS-side
// pci-intx strategy through the PciCommand class, so both pay two pread/pwrite
// system calls and nothing else.
#pragma once

#include <napi.h>

#include <string>

#include "irq_path.h"

namespace rxuio {

// Offset of the command word in configuration space, and its bit 10.
constexpr long kPciCommandOffset = 4;
constexpr unsigned kPciIntxDisable = 0x400;

// Result of one read-modify-write: errno 0 on success; otherwise the failed
// call ("pread"/"pwrite"), or errno EIO with `short_io` for a short transfer.
struct PciCommandResult {
  int err = 0;
  const char* syscall = nullptr;
  bool short_io = false;
};

// Masks (enabled = false) or unmasks (true) INTx on the open config fd.
// Async-signal- and thread-safe: only pread/pwrite on the fd.
// On the interrupt service's per-wake-up path.
RXUIO_IRQ_PATH PciCommandResult SetIntxEnabled(int fd, bool enabled);

// The JS error for a failed result, with what to do about it.
Napi::Error PciCommandError(Napi::Env env, const PciCommandResult& result, const std::string& path);

// new PciCommand(configPath): the config file opened read-write.
// setIntxEnabled(enabled), close(), closed.
class PciCommand : public Napi::ObjectWrap<PciCommand> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit PciCommand(const Napi::CallbackInfo& info);
  ~PciCommand() override;

 private:
  void SetEnabled(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  Napi::Value GetClosed(const Napi::CallbackInfo& info);

  std::string path_;
  int fd_ = -1;
};

}  // namespace rxuio
