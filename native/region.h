// A region: one mmap of a file (a /dev/uioN map, or a regular file in tests)
// with volatile, width-exact, bounds- and alignment-checked access.
//
// Safety model: the mapping is shared (std::shared_ptr) between the Region,
// its register accessors, the window (NativeRegion's private buffer) and
// every zero-copy view handed to JS. close() detaches those views, marks the
// state closed and swaps the device pages for anonymous memory at once, so no
// JS value can reach device memory; the address range itself is unmapped
// only when the last share is gone (the window and views collected), so no
// buffer can reach unmapped memory either. If the Region is garbage-collected
// without close(), the mapping lives on until the last buffer is collected.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace rxuio {

// Owns one mmap of a file. Retire() drops the file mapping at once but keeps
// the address range reserved (as zeroed anonymous memory) until the last
// share of the Mapping is gone, so a reference that escaped every check can
// only ever touch harmless memory, never an unmapped or reused address.
class Mapping {
 public:
  Mapping(void* base, size_t length) : base_(base), length_(length) {}
  ~Mapping();
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  // Idempotent. Returns whether the address range is still reserved: false
  // only when the anonymous replacement failed and the range was unmapped
  // (then every buffer over it must be detached).
  bool Retire();

 private:
  void* base_;
  size_t length_;
  bool retired_ = false;
};

// What the Region, its register accessors and snapshot readers share.
struct RegionState {
  std::shared_ptr<Mapping> mapping;
  // base + inPageOffset while open; nullptr once closed.
  volatile uint8_t* data = nullptr;
  size_t length = 0;
  bool writable = false;

  bool closed() const { return data == nullptr; }
  // Throws ECLOSED / ERANGE / EALIGN unless `bytes` at `offset` may be accessed.
  void CheckAccess(Napi::Env env, int64_t offset, size_t bytes) const;
  // A volatile read of 1, 2, 4 or 8 bytes; call CheckAccess first.
  uint64_t Read(size_t offset, size_t bytes) const;
};

class Region : public Napi::ObjectWrap<Region> {
 public:
  static Napi::Function Define(Napi::Env env);

  // The state of the Region wrapped by `value`, or nullptr when `value` is
  // not one (checked with a napi type tag, so a spoofed prototype cannot pass).
  static std::shared_ptr<RegionState> StateOf(const Napi::Value& value);

  // new Region(path, fileOffset, inPageOffset, length, writable, copyViews)
  explicit Region(const Napi::CallbackInfo& info);

 private:
  Napi::Value CopyOut(Napi::Env env, size_t offset, size_t length) const;
  // A new external ArrayBuffer over the mapping, holding a share of it, or an
  // empty value when this runtime refuses external buffers.
  Napi::ArrayBuffer NewExternalBuffer(Napi::Env env);
  // The one external ArrayBuffer all of view()'s arrays share (created on
  // first use, detached by close()), or an empty value as above.
  Napi::ArrayBuffer ViewBuffer(Napi::Env env);

  // Detaches the buffer `buffer` refers to, if it is still alive, and drops
  // the reference.
  static void DetachBuffer(Napi::Env env, Napi::Reference<Napi::ArrayBuffer>& buffer);

  Napi::Value ReadBlock(const Napi::CallbackInfo& info);
  void WriteBlock(const Napi::CallbackInfo& info);
  Napi::Value View(const Napi::CallbackInfo& info);
  Napi::Value Window(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  Napi::Value GetSize(const Napi::CallbackInfo& info);
  Napi::Value GetClosed(const Napi::CallbackInfo& info);
  Napi::Value GetViewIsCopy(const Napi::CallbackInfo& info);

  std::shared_ptr<RegionState> state_;
  // No external buffers at all: asked for (copyViews) or refused by the runtime.
  bool no_external_ = false;
  // view() copies: no external buffers, or a read-only mapping (a store
  // through a user's view would SIGSEGV).
  bool copy_views_ = false;
  // window() hands the buffer out once, to NativeRegion, which stores through
  // it only when the mapping is writable (its store arrays are empty over a
  // read-only one); nobody else can get an array over a read-only mapping.
  bool window_taken_ = false;
  // Weak: the one external ArrayBuffer currently handed out by view(), to
  // detach on close. (The window's buffer is never detached; see Window().)
  Napi::Reference<Napi::ArrayBuffer> view_;
  // Weak: the window's buffer, detached by close() only if Retire() could
  // not keep its range reserved.
  Napi::Reference<Napi::ArrayBuffer> window_;
};

}  // namespace rxuio
