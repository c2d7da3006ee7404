#include "event_fd.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "arguments.h"
#include "clock.h"
#include "errors.h"

namespace rxuio {

struct EventFd::Watch {
  uv_poll_t handle;
  // SIGIO mode only: an idle async handle whose one job is to keep the loop
  // alive while watching, as the started poll handle does in epoll mode.
  uv_async_t keep_alive;
  bool sigio = false;
  // Handles still to be closed before the Watch may be freed.
  int open_handles = 0;
  EventFd* owner;
  napi_env env;
  bool stopped = false;
  Napi::FunctionReference on_wake;
  Napi::FunctionReference on_error;
  // The batch arrays handed to JS; re-validated at every wake-up because JS
  // could detach their buffers (postMessage transfer).
  Napi::Reference<Napi::Int32Array> counts;
  Napi::Reference<Napi::Uint32Array> missed;
  Napi::Reference<Napi::BigUint64Array> time;
  Napi::Reference<Napi::Float64Array> values;
  Napi::Reference<Napi::BigUint64Array> values64;
  std::vector<SnapshotRegister> snapshot;
};

Napi::Function EventFd::Define(Napi::Env env) {
  return DefineClass(env, "EventFd",
                     {
                         InstanceMethod<&EventFd::Read>("read"),
                         InstanceMethod<&EventFd::Write>("write"),
                         InstanceMethod<&EventFd::StartWatch>("watch"),
                         InstanceMethod<&EventFd::Unwatch>("unwatch"),
                         InstanceMethod<&EventFd::Drain>("drain"),
                         InstanceMethod<&EventFd::SetAsync>("setAsync"),
                         InstanceMethod<&EventFd::Close>("close"),
                         InstanceAccessor<&EventFd::GetClosed>("closed"),
                         InstanceAccessor<&EventFd::GetWatching>("watching"),
                     });
}

EventFd::EventFd(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EventFd>(info) {
  Napi::Env env = info.Env();
  path_ = PathArg(info[0], "path");
  const bool writable = BooleanArg(info[1], "writable");
  if (!info[2].IsUndefined()) {
    // sysfs prints the count unsigned, the device returns it signed: take both.
    const int64_t baseline = IntegerArg(info[2], "baseline", INT32_MIN, UINT32_MAX);
    count_.SetBaseline(static_cast<uint32_t>(baseline));
  }
  fd_ = open(path_.c_str(), (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) ThrowErrno(env, errno, "open", path_);
  struct stat st;
  if (fstat(fd_, &st) != 0) {
    int err = errno;
    close(fd_);
    fd_ = -1;
    ThrowErrno(env, err, "fstat", path_);
  }
  drain_ = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
}

EventFd::~EventFd() {
  // Only reached when not watching (a watch holds a strong reference), or at
  // environment teardown; either way nothing may call into JS here.
  ReleaseWatch();
  if (fd_ >= 0) close(fd_);
}

void EventFd::CheckOpen(Napi::Env env) const {
  if (fd_ < 0) ThrowCoded(env, "ECLOSED", "the event fd is closed");
}

Napi::Value EventFd::Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  int32_t count = 0;
  ssize_t r;
  do {
    r = read(fd_, &count, sizeof count);
  } while (r < 0 && errno == EINTR);
  if (r == sizeof count) {
    count_.Advance(count);
    return Napi::Number::New(env, count);
  }
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return env.Undefined();
  if (r < 0) ThrowErrno(env, errno, "read", path_);
  if (r == 0) ThrowCoded(env, "ENODEV", "the event source hung up (end of file on " + path_ + ")");
  ThrowCoded(env, "EIO", "short read of " + std::to_string(r) + " bytes from " + path_ + "; counts are 4 bytes");
}

void EventFd::Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  const int32_t value = static_cast<int32_t>(IntegerArg(info[0], "value", INT32_MIN, INT32_MAX));
  ssize_t r;
  do {
    r = write(fd_, &value, sizeof value);
  } while (r < 0 && errno == EINTR);
  if (r < 0) ThrowErrno(env, errno, "write", path_);
  if (r != sizeof value) ThrowCoded(env, "EIO", "short write to " + path_);
}

Napi::Value EventFd::StartWatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (watch_ != nullptr) ThrowCoded(env, "EINVAL", "already watching; call unwatch() first");
  Napi::Function on_wake = FunctionArg(info[0], "onWake");
  Napi::Function on_error = FunctionArg(info[1], "onError");
  // SIGIO mode: no poll handle is started; the caller's SIGIO handler calls drain().
  const bool sigio = info[3].IsUndefined() ? false : BooleanArg(info[3], "sigio");

  auto w = std::make_unique<Watch>();
  if (!info[2].IsUndefined()) {
    if (!info[2].IsArray()) ThrowCoded(env, "EINVAL", "snapshot must be an array");
    Napi::Array list = info[2].As<Napi::Array>();
    if (list.Length() > kSnapshotCapacity) {
      ThrowCoded(env, "ERANGE", "a snapshot reads at most " + std::to_string(kSnapshotCapacity) + " registers");
    }
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Value entry = list.Get(i);
      const std::string at = "snapshot[" + std::to_string(i) + "]";
      if (!entry.IsObject()) ThrowCoded(env, "EINVAL", at + " must be { region, offset, width }");
      Napi::Object reg = entry.As<Napi::Object>();
      std::shared_ptr<RegionState> region = Region::StateOf(reg.Get("region"));
      if (!region) ThrowCoded(env, "EINVAL", at + ".region must be a native Region");
      const int64_t width = IntegerArg(reg.Get("width"), "width", 0, 64);
      if (width != 8 && width != 16 && width != 32 && width != 64) {
        ThrowCoded(env, "EINVAL", at + ".width must be 8, 16, 32 or 64");
      }
      const int64_t offset = IntegerArg(reg.Get("offset"), "offset", -kMaxSafeInteger, kMaxSafeInteger);
      region->CheckAccess(env, offset, static_cast<size_t>(width / 8));
      w->snapshot.push_back({region, static_cast<size_t>(offset), static_cast<size_t>(width / 8)});
    }
  }

  const size_t k = w->snapshot.size();
  Napi::Int32Array counts = Napi::Int32Array::New(env, kBatchCapacity);
  Napi::Uint32Array missed = Napi::Uint32Array::New(env, kBatchCapacity);
  Napi::BigUint64Array time = Napi::BigUint64Array::New(env, 1);
  Napi::Float64Array values = Napi::Float64Array::New(env, k);
  Napi::BigUint64Array values64 = Napi::BigUint64Array::New(env, k);
  // JS reads each batch from these arrays after onWake(n).
  Napi::Object batch = Napi::Object::New(env);
  batch.Set("counts", counts);
  batch.Set("missed", missed);
  batch.Set("time", time);
  batch.Set("values", values);
  batch.Set("values64", values64);

  // Owned by the EventFd, not the Watch: it must be destroyed while the
  // environment is alive, and the Watch is freed later by uv_close.
  if (!async_context_) async_context_ = std::make_unique<Napi::AsyncContext>(env, "rxuio:EventFd");

  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) ThrowCoded(env, "EIO", "no event loop");
  w->owner = this;
  w->env = env;
  w->on_wake = Napi::Persistent(on_wake);
  w->on_error = Napi::Persistent(on_error);
  w->counts = Napi::Persistent(counts);
  w->missed = Napi::Persistent(missed);
  w->time = Napi::Persistent(time);
  w->values = Napi::Persistent(values);
  w->values64 = Napi::Persistent(values64);
  w->sigio = sigio;
  // Nothing may throw between uv_poll_init and handing `w` to libuv.
  int rc = uv_poll_init(loop, &w->handle, fd_);
  // Regular files cannot be polled (epoll refuses them with EPERM).
  if (rc != 0) ThrowErrno(env, -rc, "uv_poll_init", path_);
  w->handle.data = w.get();
  w->open_handles = 1;
  if (sigio) {
    rc = uv_async_init(loop, &w->keep_alive, nullptr);
    if (rc == 0) {
      w->keep_alive.data = w.get();
      w->open_handles = 2;
    }
  } else {
    rc = uv_poll_start(&w->handle, UV_READABLE | UV_DISCONNECT, OnPoll);
  }
  if (rc != 0) {
    Watch* failed = w.release();
    failed->stopped = true;
    CloseHandles(failed);
    ThrowErrno(env, -rc, sigio ? "uv_async_init" : "uv_poll_start", path_);
  }
  watch_ = w.release();
  // While watching, the JS object must not be collected under the handle.
  Ref();

  return batch;
}

bool EventFd::ReleaseWatch() {
  if (watch_ == nullptr) return false;
  Watch* w = watch_;
  watch_ = nullptr;
  w->stopped = true;
  uv_poll_stop(&w->handle);
  // Drop every JS reference now, while the environment is certainly alive.
  w->on_wake.Reset();
  w->on_error.Reset();
  w->counts.Reset();
  w->missed.Reset();
  w->time.Reset();
  w->values.Reset();
  w->values64.Reset();
  w->snapshot.clear();
  CloseHandles(w);
  return true;
}

void EventFd::CloseHandles(Watch* w) {
  // The handles' memory must outlive libuv's use of it: free the Watch in the
  // last close callback.
  const auto closed = [](uv_handle_t* h) {
    Watch* owner = static_cast<Watch*>(h->data);
    if (--owner->open_handles == 0) delete owner;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&w->handle), closed);
  if (w->open_handles == 2) uv_close(reinterpret_cast<uv_handle_t*>(&w->keep_alive), closed);
}

void EventFd::StopWatch() {
  if (ReleaseWatch()) Unref();
}

void EventFd::OnPoll(uv_poll_t* handle, int status, int /*events*/) {
  Watch* w = static_cast<Watch*>(handle->data);
  if (w->stopped) return;
  Napi::HandleScope scope(Napi::Env(w->env));
  Service(w, status, false);
}

Napi::Value EventFd::Drain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (watch_ == nullptr) ThrowCoded(env, "EINVAL", "drain() needs a running watch");
  return Napi::Number::New(env, static_cast<double>(Service(watch_, 0, true)));
}

size_t EventFd::Service(Watch* w, int status, bool from_js) {
  EventFd* self = w->owner;
  Napi::Env env(w->env);
  const uint64_t now = MonotonicNs();

  Napi::Int32Array counts = w->counts.Value();
  Napi::Uint32Array missed = w->missed.Value();
  Napi::BigUint64Array time = w->time.Value();
  Napi::Float64Array values = w->values.Value();
  Napi::BigUint64Array values64 = w->values64.Value();
  const size_t k = w->snapshot.size();
  Napi::Error failure;
  if (counts.ElementLength() != kBatchCapacity || missed.ElementLength() != kBatchCapacity ||
      time.ElementLength() != 1 || values.ElementLength() != k || values64.ElementLength() != k) {
    failure = CodedError(env, "EINVAL", "the watch's batch arrays were detached");
  }

  size_t n = 0;
  if (failure.IsEmpty() && status < 0) {
    // libuv turns POLLERR into EBADF and stops the handle; a read tells the
    // real reason (EIO once a UIO device is gone).
    int32_t count;
    ssize_t r = read(self->fd_, &count, sizeof count);
    if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      failure = ErrnoError(env, errno, "read", self->path_);
    } else {
      failure = CodedError(env, "ENODEV", "poll reported an error condition on " + self->path_);
      failure.Set("syscall", Napi::String::New(env, "poll"));
    }
  }
  // /dev/uioN: exactly one 4-byte read (other sizes are EINVAL) gives the
  // total. A FIFO or socket queues one count per event: read as many as the
  // batch holds in one call, and a short read means it is drained (no extra
  // EAGAIN read).
  int32_t pending[kBatchCapacity];
  while (failure.IsEmpty() && n < kBatchCapacity) {
    const size_t want = self->drain_ ? (kBatchCapacity - n) * sizeof(int32_t) : sizeof(int32_t);
    ssize_t r = read(self->fd_, pending, want);
    if (r > 0) {
      const size_t whole = static_cast<size_t>(r) / sizeof(int32_t);
      for (size_t i = 0; i < whole; ++i) {
        const uint32_t delta = self->count_.Advance(pending[i]);
        counts.Data()[n] = pending[i];
        missed.Data()[n] = delta - 1;
        ++n;
      }
      if (static_cast<size_t>(r) % sizeof(int32_t) != 0) {
        failure = CodedError(env, "EIO", "partial count read from " + self->path_ + "; counts are written as 4 bytes");
      } else if (!self->drain_ || static_cast<size_t>(r) < want) {
        break;
      }
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else if (r < 0) {
      failure = ErrnoError(env, errno, "read", self->path_);
    } else {
      failure = CodedError(env, "ENODEV", "the event source hung up (end of file on " + self->path_ + ")");
      failure.Set("syscall", Napi::String::New(env, "read"));
    }
  }

  if (n > 0) {
    for (const SnapshotRegister& reg : w->snapshot) {
      if (reg.region->closed()) {
        failure = CodedError(env, "ECLOSED", "a snapshot register's region was closed while watched");
        n = 0;
        break;
      }
    }
  }
  if (n > 0) {
    time.Data()[0] = now;
    for (size_t i = 0; i < k; ++i) {
      const SnapshotRegister& reg = w->snapshot[i];
      const uint64_t v = reg.region->Read(reg.offset, reg.bytes);
      if (reg.bytes == 8) {
        values64.Data()[i] = v;
      } else {
        values.Data()[i] = static_cast<double>(v);
      }
    }
    Deliver(env, w->on_wake.Value(), self->Value(), Napi::Number::New(env, static_cast<double>(n)),
            *self->async_context_, from_js);
    // The callback may have unwatched or closed: `w` is still allocated
    // (freed by uv_close later) but `self` must no longer be used.
    if (w->stopped) return n;
  }

  if (!failure.IsEmpty()) {
    Napi::Function on_error = w->on_error.Value();
    Napi::Object recv = self->Value();
    self->StopWatch();
    Deliver(env, on_error, recv, failure.Value(), *self->async_context_, from_js);
  }
  return n;
}

void EventFd::Deliver(Napi::Env env, Napi::Function fn, Napi::Object recv, Napi::Value arg,
                      napi_async_context context, bool from_js) {
  // Called from JS (drain): an ordinary call, and a throw propagates to the caller.
  if (from_js) {
    fn.Call(recv, {arg});
    return;
  }
  // Called from the loop: a callback scope (so microtasks and nextTicks run
  // after it), and a throwing listener becomes the application's uncaught
  // exception, as with any event emitter; it must not unwind through libuv.
  try {
    fn.MakeCallback(recv, {arg}, context);
  } catch (const Napi::Error& e) {
    napi_fatal_exception(env, e.Value());
  }
}

void EventFd::Unwatch(const Napi::CallbackInfo& /*info*/) { StopWatch(); }

void EventFd::SetAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  const bool enabled = BooleanArg(info[0], "enabled");
  // SIGIO's default action ends the process: the caller installs a handler
  // (process.on('SIGIO')) before enabling.
  if (enabled && fcntl(fd_, F_SETOWN, getpid()) != 0) ThrowErrno(env, errno, "fcntl", path_);
  int flags = fcntl(fd_, F_GETFL);
  if (flags < 0) ThrowErrno(env, errno, "fcntl", path_);
  flags = enabled ? (flags | O_ASYNC) : (flags & ~O_ASYNC);
  if (fcntl(fd_, F_SETFL, flags) != 0) ThrowErrno(env, errno, "fcntl", path_);
}

void EventFd::Close(const Napi::CallbackInfo& /*info*/) {
  if (fd_ < 0) return;
  // Stop polling before closing: libuv must never watch a closed descriptor.
  StopWatch();
  close(fd_);
  fd_ = -1;
}

Napi::Value EventFd::GetClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), fd_ < 0); }

Napi::Value EventFd::GetWatching(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), watch_ != nullptr);
}

}  // namespace rxuio
