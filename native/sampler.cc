#include "sampler.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "arguments.h"
#include "clock.h"
#include "errors.h"
#include "volatile_access.h"

namespace rxuio {

namespace {

// Longest single sleep: a stop() waits at most this long for a slow sampler.
constexpr uint64_t kMaxSleepNs = 50'000'000;

timespec ToTimespec(uint64_t ns) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000ull);
  ts.tv_nsec = static_cast<long>(ns % 1'000'000'000ull);
  return ts;
}

}  // namespace

Napi::Function Sampler::Define(Napi::Env env) {
  return DefineClass(env, "Sampler",
                     {
                         InstanceMethod<&Sampler::Stop>("stop"),
                         InstanceAccessor<&Sampler::GetRunning>("running"),
                         InstanceAccessor<&Sampler::GetOverruns>("overruns"),
                     });
}

Sampler::Sampler(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Sampler>(info) {
  Napi::Env env = info.Env();
  const int64_t page = sysconf(_SC_PAGESIZE);
  path_ = PathArg(info[0], "path");
  const int64_t file_offset = IntegerArg(info[1], "fileOffset", 0, kMaxSafeInteger);
  const int64_t in_page_offset = IntegerArg(info[2], "inPageOffset", 0, kMaxSafeInteger);
  const int64_t length = IntegerArg(info[3], "length", 1, kMaxSafeInteger);
  if (!info[4].IsArray()) ThrowCoded(env, "EINVAL", "registers must be an array of { offset, width }");
  Napi::Array registers = info[4].As<Napi::Array>();
  if (registers.Length() == 0 || registers.Length() > kMaxRegisters) {
    ThrowCoded(env, "ERANGE", "a sampler reads 1 to " + std::to_string(kMaxRegisters) + " registers");
  }
  for (uint32_t i = 0; i < registers.Length(); i++) {
    Napi::Value entry = registers.Get(i);
    if (!entry.IsObject()) ThrowCoded(env, "EINVAL", "registers must be an array of { offset, width }");
    Napi::Object reg = entry.As<Napi::Object>();
    const int64_t width = IntegerArg(reg.Get("width"), "width", 8, 32);
    if (width != 8 && width != 16 && width != 32) {
      ThrowCoded(env, "EINVAL", "a sampled register is 8, 16 or 32 bits wide");
    }
    const int64_t offset = IntegerArg(reg.Get("offset"), "offset", 0, kMaxSafeInteger);
    const size_t bytes = static_cast<size_t>(width / 8);
    if (offset + static_cast<int64_t>(bytes) > length) {
      ThrowCoded(env, "ERANGE",
                 "register offset " + std::to_string(offset) + " is past the region's " + std::to_string(length) +
                     " bytes");
    }
    // Alignment of the real address (in-page offset included), as Region checks it.
    if ((in_page_offset + offset) % static_cast<int64_t>(bytes) != 0) {
      ThrowCoded(env, "EALIGN", "register offset " + std::to_string(offset) + " is not aligned to its width");
    }
    registers_.push_back({static_cast<size_t>(offset), bytes});
  }
  // 1 µs .. 1 h: a faster clock than 1 MHz is not what a sleeping thread can keep.
  period_ns_ = static_cast<uint64_t>(IntegerArg(info[5], "periodNs", 1'000, 3'600'000'000'000LL));
  batch_ = static_cast<size_t>(IntegerArg(info[6], "batch", 1, 65'536));
  Napi::Function on_batch = FunctionArg(info[7], "onBatch");
  if (file_offset % page != 0) ThrowCoded(env, "EINVAL", "fileOffset is not a multiple of the page size");

  const uint64_t mapped = (static_cast<uint64_t>(in_page_offset + length) + page - 1) / page * page;
  int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) ThrowErrno(env, errno, "open", path_);
  struct stat st;
  if (fstat(fd, &st) != 0 || (S_ISREG(st.st_mode) && file_offset + in_page_offset + length > st.st_size)) {
    close(fd);
    ThrowCoded(env, "ERANGE", path_ + " is too short for the sampled region");
  }
  void* base = mmap(nullptr, mapped, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(file_offset));
  int err = errno;
  close(fd);
  if (base == MAP_FAILED) ThrowErrno(env, err, "mmap", path_);
  base_ = base;
  mapped_ = mapped;
  data_ = static_cast<const volatile uint8_t*>(base) + in_page_offset;

  for (Slot& slot : slots_) {
    slot.times.resize(batch_);
    slot.deadlines.resize(batch_);
    slot.values.resize(batch_ * registers_.size());
  }
  // Queue of at most kSlots hand-offs: one per slot, so NonBlockingCall never finds it full.
  // The JS object (and so `this`) stays alive until the thread-safe function
  // is finalized: after the thread released it and every queued batch ran.
  Ref();
  tsfn_ = Napi::TypedThreadSafeFunction<Sampler, size_t, Deliver>::New(
      env, on_batch, "rxuio-sampler", kSlots, 1, this,
      [](Napi::Env, void*, Sampler* self) { self->Unref(); }, static_cast<void*>(nullptr));
  // A sampler still running when the environment goes away is stopped first.
  napi_add_env_cleanup_hook(env, StopAtExit, this);
  running_ = true;
  try {
    thread_ = std::thread(&Sampler::Run, this);
  } catch (const std::system_error& e) {
    // Not a Napi::Error: left alone it would terminate the process.
    running_ = false;
    napi_remove_env_cleanup_hook(env, StopAtExit, this);
    tsfn_.Release();
    ThrowCoded(env, "EIO", std::string("could not start the sampler thread: ") + e.what());
  }
}

Sampler::~Sampler() {
  StopThread();
  if (base_ != nullptr) munmap(base_, mapped_);
}

void Sampler::Run() {
  // Named like the interrupt service thread (irq_service.cc), for the same reason.
  pthread_setname_np(pthread_self(), "rxuio-sampler");
  // The default 50 µs timer slack of a normal thread would be most of the
  // jitter at 10 kHz; this thread's deadlines are the point of it.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  uint64_t deadline = MonotonicNs() + period_ns_;
  size_t current = 0;
  while (!stop_.load(std::memory_order_relaxed)) {
    // Sleep in bounded steps, so stop() is never kept waiting for a slow clock.
    for (;;) {
      const uint64_t now = MonotonicNs();
      if (now >= deadline || stop_.load(std::memory_order_relaxed)) break;
      const timespec until = ToTimespec(deadline - now > kMaxSleepNs ? now + kMaxSleepNs : deadline);
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr);
    }
    if (stop_.load(std::memory_order_relaxed)) break;
    const uint64_t now = MonotonicNs();
    // Woken a whole period or more late: those deadlines are gone; count them.
    if (now - deadline >= period_ns_) {
      const uint64_t skipped = (now - deadline) / period_ns_;
      overruns_.fetch_add(skipped, std::memory_order_relaxed);
      deadline += skipped * period_ns_;
    }
    Slot& slot = slots_[current];
    if (slot.busy.load(std::memory_order_acquire)) {
      // JS still holds every slot: this sample cannot be kept.
      overruns_.fetch_add(1, std::memory_order_relaxed);
    } else {
      const size_t i = slot.count;
      double* values = slot.values.data() + i * registers_.size();
      for (size_t r = 0; r < registers_.size(); r++) {
        values[r] = static_cast<double>(VolatileRead(data_ + registers_[r].offset, registers_[r].bytes));
      }
      slot.times[i] = MonotonicNs();
      slot.deadlines[i] = deadline;
      if (++slot.count == batch_) {
        slot.busy.store(true, std::memory_order_release);
        // The queue holds one entry per slot, so this cannot fail for lack of room.
        tsfn_.NonBlockingCall(new size_t(current));
        current = (current + 1) % kSlots;
      }
    }
    deadline += period_ns_;
  }
  tsfn_.Release();
}

void Sampler::Deliver(Napi::Env env, Napi::Function on_batch, Sampler* self, size_t* slot_index) {
  const size_t index = *slot_index;
  delete slot_index;
  if (env == nullptr || self == nullptr) return;  // torn down with the environment
  Slot& slot = self->slots_[index];
  const size_t n = slot.count;
  const size_t regs = self->registers_.size();
  // One copy per batch (never per sample), after which the slot is the thread's again.
  Napi::ArrayBuffer times = Napi::ArrayBuffer::New(env, n * 8);
  Napi::ArrayBuffer deadlines = Napi::ArrayBuffer::New(env, n * 8);
  Napi::ArrayBuffer values = Napi::ArrayBuffer::New(env, n * regs * 8);
  std::copy_n(slot.times.data(), n, static_cast<uint64_t*>(times.Data()));
  std::copy_n(slot.deadlines.data(), n, static_cast<uint64_t*>(deadlines.Data()));
  std::copy_n(slot.values.data(), n * regs, static_cast<double*>(values.Data()));
  slot.count = 0;
  slot.busy.store(false, std::memory_order_release);
  if (!self->running_) return;  // stopped: the batch is dropped with the sampler
  napi_value t = nullptr;
  napi_value d = nullptr;
  napi_value v = nullptr;
  napi_create_typedarray(env, napi_biguint64_array, n, times, 0, &t);
  napi_create_typedarray(env, napi_biguint64_array, n, deadlines, 0, &d);
  napi_create_typedarray(env, napi_float64_array, n * regs, values, 0, &v);
  on_batch.Call({t, d, v, Napi::Number::New(env, static_cast<double>(self->overruns_.load()))});
}

void Sampler::StopThread() {
  stop_.store(true, std::memory_order_relaxed);
  if (thread_.joinable()) thread_.join();
}

void Sampler::StopAtExit(void* self) { static_cast<Sampler*>(self)->StopThread(); }

void Sampler::Stop(const Napi::CallbackInfo& info) {
  if (!running_) return;
  running_ = false;
  StopThread();
  napi_remove_env_cleanup_hook(info.Env(), StopAtExit, this);
}

Napi::Value Sampler::GetRunning(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), running_); }

Napi::Value Sampler::GetOverruns(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(overruns_.load()));
}

}  // namespace rxuio
