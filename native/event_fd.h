// The event fd: an open /dev/uioN (or, in tests, a FIFO or socket carrying
// 4-byte counts) read without blocking, written for irqcontrol, and watched
// by a uv_poll handle in the main loop. At each wake-up the counts are read,
// the per-event delta against the last seen count turned into `missed`, the
// snapshot registers read, and JS called once with the whole batch through
// typed arrays allocated at watch() time, so nothing is allocated per event.
// No libuv threadpool is involved: waiting is epoll in the loop itself.
// In SIGIO mode the watch starts no poll handle; the caller's SIGIO handler
// calls drain(), which runs exactly the same read/missed/snapshot path.
#pragma once

#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "event_count.h"
#include "region.h"

namespace rxuio {

class EventFd : public Napi::ObjectWrap<EventFd> {
 public:
  // Most events delivered by one wake-up; the rest wait for the next loop turn.
  static constexpr size_t kBatchCapacity = 256;
  // Most registers one snapshot may read.
  static constexpr size_t kSnapshotCapacity = 64;

  static Napi::Function Define(Napi::Env env);

  // new EventFd(path, writable, baseline | undefined)
  // watch(onWake, onError, snapshot | undefined, sigio | undefined) -> batch arrays
  explicit EventFd(const Napi::CallbackInfo& info);
  ~EventFd() override;

 private:
  struct SnapshotRegister {
    // A share of the region's state: valid memory even if the Region object
    // is collected, and closed() once the region is closed.
    std::shared_ptr<RegionState> region;
    size_t offset;
    size_t bytes;
  };
  struct Watch;

  static void OnPoll(uv_poll_t* handle, int status, int events);
  // Reads what is pending, fills the batch and calls onWake once (then
  // onError on failure); shared by the poll callback and drain(). Returns the
  // number of events delivered.
  static size_t Service(Watch* w, int status, bool from_js);
  static void Deliver(Napi::Env env, Napi::Function fn, Napi::Object recv, Napi::Value arg,
                      napi_async_context context, bool from_js);
  static void CloseHandles(Watch* w);

  Napi::Value Read(const Napi::CallbackInfo& info);
  void Write(const Napi::CallbackInfo& info);
  Napi::Value StartWatch(const Napi::CallbackInfo& info);
  void Unwatch(const Napi::CallbackInfo& info);
  Napi::Value Drain(const Napi::CallbackInfo& info);
  void SetAsync(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  Napi::Value GetClosed(const Napi::CallbackInfo& info);
  Napi::Value GetWatching(const Napi::CallbackInfo& info);

  void CheckOpen(Napi::Env env) const;
  // Stops and releases the watch without touching the JS wrapper's refcount.
  bool ReleaseWatch();
  void StopWatch();

  std::string path_;
  int fd_ = -1;
  // FIFOs and sockets queue one 4-byte count per event, so a wake-up drains
  // them; /dev/uioN returns the running total, so one read says everything.
  bool drain_ = false;
  EventCount count_;
  Watch* watch_ = nullptr;
  std::unique_ptr<Napi::AsyncContext> async_context_;
};

}  // namespace rxuio
