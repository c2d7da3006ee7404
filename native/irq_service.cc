#include "irq_service.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "arguments.h"
#include "clock.h"
#include "errors.h"
#include "pci_command.h"
#include "volatile_access.h"

namespace rxuio {

namespace {

// Wakes a thread blocked in poll() on the eventfd.
void Signal(int fd) {
  const uint64_t one = 1;
  ssize_t r;
  do {
    r = write(fd, &one, sizeof one);
  } while (r < 0 && errno == EINTR);
}

void Drain(int fd) {
  uint64_t value;
  ssize_t r;
  do {
    r = read(fd, &value, sizeof value);
  } while (r < 0 && errno == EINTR);
}

// The plan's reads when they all have the width of T: one volatile load each, in order.
template <typename T>
void ReadAll(const volatile uint8_t* data, const IrqService::Register* regs, size_t count, uint32_t* out) {
  for (size_t i = 0; i < count; i++) out[i] = *reinterpret_cast<const volatile T*>(data + regs[i].offset);
}

// The callback scope of one poll callback, around all its batches: the
// microtask checkpoint, process.nextTick queue and async-context pop that a
// MakeCallback per batch would run after every batch run once, when the
// callback returns to the loop. A batch's onBatch may raise the next
// interrupt (a ping-pong), so what runs between its return and the next
// read of the count is what delays that interrupt's service.
class PollCallbackScope {
 public:
  PollCallbackScope(napi_env env, napi_value resource, napi_async_context context)
      : env_(env), resource_(resource), context_(context) {}
  ~PollCallbackScope() {
    if (scope_ != nullptr) napi_close_callback_scope(env_, scope_);
  }
  PollCallbackScope(const PollCallbackScope&) = delete;
  PollCallbackScope& operator=(const PollCallbackScope&) = delete;

  // Opens the scope before the first call into JS; a no-op after that.
  void Enter() {
    if (scope_ != nullptr) return;
    const napi_status status = napi_open_callback_scope(env_, resource_, context_, &scope_);
    if (status != napi_ok) {
      scope_ = nullptr;
      throw Napi::Error::New(env_, "could not open a callback scope for the interrupt service");
    }
  }

 private:
  napi_env env_;
  napi_value resource_;
  napi_async_context context_;
  napi_callback_scope scope_ = nullptr;
};

// Where the columns of a batch of `events` events go; computed once, at start.
IrqService::BatchLayout LayoutFor(size_t events, size_t per_event) {
  IrqService::BatchLayout l{};
  l.times = 0;
  l.serviced = l.times + events * sizeof(uint64_t);
  l.values = l.serviced + events * sizeof(uint64_t);
  l.counts = l.values + events * per_event * sizeof(double);
  l.missed = l.counts + events * sizeof(int32_t);
  l.bytes = l.missed + events * sizeof(uint32_t);
  return l;
}

}  // namespace

Napi::Function IrqService::Define(Napi::Env env) {
  return DefineClass(env, "IrqService",
                     {
                         InstanceMethod<&IrqService::Stop>("stop"),
                         InstanceAccessor<&IrqService::GetRunning>("running"),
                         InstanceAccessor<&IrqService::GetStalls>("stalls"),
                         InstanceAccessor<&IrqService::GetBatch>("batch"),
                     });
}

IrqService::IrqService(const Napi::CallbackInfo& info) : Napi::ObjectWrap<IrqService>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) ThrowCoded(env, "EINVAL", "the service plan must be an object");
  Napi::Object plan = info[0].As<Napi::Object>();
  Napi::Function on_batch = FunctionArg(info[1], "onBatch");
  Napi::Function on_error = FunctionArg(info[2], "onError");
  event_path_ = PathArg(plan.Get("eventPath"), "eventPath");
  if (!plan.Get("baseline").IsUndefined()) {
    // sysfs prints the count unsigned, the device returns it signed: take both.
    const int64_t baseline = IntegerArg(plan.Get("baseline"), "baseline", INT32_MIN, UINT32_MAX);
    count_.SetBaseline(static_cast<uint32_t>(baseline));
  }

  // The registers: checked like the sampler's, against the mapped length.
  Napi::Value reads_arg = plan.Get("reads");
  if (!reads_arg.IsArray()) ThrowCoded(env, "EINVAL", "reads must be an array of { offset, width }");
  Napi::Array reads = reads_arg.As<Napi::Array>();
  if (reads.Length() > kMaxRegisters) {
    ThrowCoded(env, "ERANGE", "a service plan reads at most " + std::to_string(kMaxRegisters) + " registers");
  }
  visible_ = static_cast<size_t>(IntegerArg(plan.Get("visible"), "visible", 0, reads.Length()));
  Napi::Value ack_arg = plan.Get("ack");
  has_ack_ = !ack_arg.IsUndefined();

  int64_t in_page_offset = 0;
  int64_t length = 0;
  int64_t file_offset = 0;
  std::string region_path;
  Napi::Value region_arg = plan.Get("region");
  if (!region_arg.IsUndefined()) {
    if (!region_arg.IsObject()) ThrowCoded(env, "EINVAL", "region must be { path, fileOffset, inPageOffset, length }");
    Napi::Object region = region_arg.As<Napi::Object>();
    region_path = PathArg(region.Get("path"), "region.path");
    file_offset = IntegerArg(region.Get("fileOffset"), "fileOffset", 0, kMaxSafeInteger);
    in_page_offset = IntegerArg(region.Get("inPageOffset"), "inPageOffset", 0, kMaxSafeInteger);
    length = IntegerArg(region.Get("length"), "length", 1, kMaxSafeInteger);
  }
  if ((reads.Length() > 0 || has_ack_) && region_path.empty()) {
    ThrowCoded(env, "EINVAL", "a plan with registers needs the region they are in");
  }
  const auto check_register = [&](Napi::Value entry, const std::string& what) -> Register {
    if (!entry.IsObject()) ThrowCoded(env, "EINVAL", what + " must be { offset, width }");
    Napi::Object reg = entry.As<Napi::Object>();
    const int64_t width = IntegerArg(reg.Get("width"), "width", 8, 32);
    if (width != 8 && width != 16 && width != 32) {
      ThrowCoded(env, "EINVAL", what + " must be 8, 16 or 32 bits wide");
    }
    const int64_t offset = IntegerArg(reg.Get("offset"), "offset", 0, kMaxSafeInteger);
    const size_t bytes = static_cast<size_t>(width / 8);
    if (offset + static_cast<int64_t>(bytes) > length) {
      ThrowCoded(env, "ERANGE",
                 what + " at offset " + std::to_string(offset) + " is past the region's " + std::to_string(length) +
                     " bytes");
    }
    if ((in_page_offset + offset) % static_cast<int64_t>(bytes) != 0) {
      ThrowCoded(env, "EALIGN", what + " at offset " + std::to_string(offset) + " is not aligned to its width");
    }
    return {static_cast<size_t>(offset), bytes};
  };
  for (uint32_t i = 0; i < reads.Length(); i++) {
    reads_[read_count_++] = check_register(reads.Get(i), "reads[" + std::to_string(i) + "]");
  }
  uniform_bytes_ = read_count_ == 0 ? 0 : reads_[0].bytes;
  for (size_t i = 0; i < read_count_; i++) {
    if (reads_[i].bytes != uniform_bytes_) uniform_bytes_ = 0;
  }
  if (has_ack_) {
    if (!ack_arg.IsObject()) ThrowCoded(env, "EINVAL", "ack must be { offset, width, value | from }");
    Napi::Object ack = ack_arg.As<Napi::Object>();
    ack_ = check_register(ack, "the ack register");
    if (!ack.Get("from").IsUndefined()) {
      ack_from_ = static_cast<long>(IntegerArg(ack.Get("from"), "ack.from", 0, static_cast<int64_t>(read_count_) - 1));
    } else {
      ack_value_ = RegisterValueArg(ack.Get("value"), static_cast<unsigned>(ack_.bytes * 8));
    }
  }

  const std::string rearm = plan.Get("rearm").IsString() ? plan.Get("rearm").As<Napi::String>().Utf8Value() : "";
  if (rearm == "none") {
    rearm_ = Rearm::kNone;
  } else if (rearm == "irqcontrol") {
    rearm_ = Rearm::kIrqcontrol;
  } else if (rearm == "pci-intx") {
    rearm_ = Rearm::kPciIntx;
    config_path_ = PathArg(plan.Get("configPath"), "configPath");
  } else {
    ThrowCoded(env, "EINVAL", "rearm must be \"none\", \"irqcontrol\" or \"pci-intx\"");
  }
  // 0: the thread stays SCHED_OTHER; 1..99: SCHED_FIFO at that priority.
  realtime_ = plan.Get("realtime").IsUndefined()
                  ? 0
                  : static_cast<int>(IntegerArg(plan.Get("realtime"), "realtime", 0, 99));
  on_loop_ = !plan.Get("eventLoop").IsUndefined() && BooleanArg(plan.Get("eventLoop"), "eventLoop");
  if (on_loop_ && realtime_ > 0) {
    ThrowCoded(env, "EINVAL", "realtime is the service thread's priority; a plan serviced in the event loop has no thread");
  }
  const int64_t page = sysconf(_SC_PAGESIZE);
  if (file_offset % page != 0) ThrowCoded(env, "EINVAL", "fileOffset is not a multiple of the page size");

  // The batch JS reads, allocated once: a batch then costs no allocation and
  // no garbage (ArrayBuffers per batch made work for every scavenge).
  batch_layout_ = LayoutFor(kSlotEvents, visible_);
  const BatchLayout& layout = batch_layout_;
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, layout.bytes);
  Napi::Object batch = Napi::Object::New(env);
  batch.Set("times", Napi::BigUint64Array::New(env, kSlotEvents, buffer, layout.times));
  batch.Set("servicedAt", Napi::BigUint64Array::New(env, kSlotEvents, buffer, layout.serviced));
  batch.Set("values", Napi::Float64Array::New(env, kSlotEvents * visible_, buffer, layout.values));
  batch.Set("counts", Napi::Int32Array::New(env, kSlotEvents, buffer, layout.counts));
  batch.Set("missed", Napi::Uint32Array::New(env, kSlotEvents, buffer, layout.missed));
  batch_buffer_ = Napi::Persistent(buffer);
  batch_ = Napi::Persistent(batch);

  // Resources, in order; the destructor releases whatever was acquired if a
  // later step throws (ObjectWrap runs it for a constructor that threw).
  event_fd_ = open(event_path_.c_str(), (rearm_ == Rearm::kIrqcontrol ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_CLOEXEC);
  if (event_fd_ < 0) ThrowErrno(env, errno, "open", event_path_);
  struct stat st;
  if (fstat(event_fd_, &st) != 0) ThrowErrno(env, errno, "fstat", event_path_);
  // poll() on a regular file is always ready: it would spin, not wait.
  if (S_ISREG(st.st_mode)) ThrowCoded(env, "EINVAL", event_path_ + " is a regular file; it cannot be waited on");
  drain_ = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
  if (drain_) drain_counts_.resize(kSlotEvents);
  if (rearm_ == Rearm::kPciIntx) {
    config_fd_ = open(config_path_.c_str(), O_RDWR | O_CLOEXEC);
    if (config_fd_ < 0) ThrowErrno(env, errno, "open", config_path_);
  }
  if (!region_path.empty() && (read_count_ > 0 || has_ack_)) {
    const uint64_t mapped = (static_cast<uint64_t>(in_page_offset + length) + page - 1) / page * page;
    int fd = open(region_path.c_str(), (has_ack_ ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) ThrowErrno(env, errno, "open", region_path);
    struct stat rst;
    if (fstat(fd, &rst) != 0 || (S_ISREG(rst.st_mode) && file_offset + in_page_offset + length > rst.st_size)) {
      close(fd);
      ThrowCoded(env, "ERANGE", region_path + " is too short for the serviced region");
    }
    void* base = mmap(nullptr, mapped, has_ack_ ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd,
                      static_cast<off_t>(file_offset));
    const int err = errno;
    close(fd);
    if (base == MAP_FAILED) ThrowErrno(env, err, "mmap", region_path);
    base_ = base;
    mapped_ = mapped;
    data_ = static_cast<volatile uint8_t*>(base) + in_page_offset;
  }
  control_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (control_fd_ < 0) ThrowErrno(env, errno, "eventfd");

  if (on_loop_) {
    // One slot: JS takes each batch before the next wake-up can be serviced.
    slots_[0].Reserve(kSlotEvents, visible_);
    on_batch_ = Napi::Persistent(on_batch);
    on_error_ = Napi::Persistent(on_error);
    async_context_ = std::make_unique<Napi::AsyncContext>(env, "rxuio:IrqService");
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) ThrowCoded(env, "EIO", "no event loop");
    poll_ = new uv_poll_t;
    int rc = uv_poll_init(loop, poll_, event_fd_);
    if (rc != 0) {
      delete poll_;
      poll_ = nullptr;
      ThrowErrno(env, -rc, "uv_poll_init", event_path_);
    }
    poll_->data = this;
    rc = uv_poll_start(poll_, UV_READABLE | UV_DISCONNECT, OnPoll);
    if (rc != 0) {
      CloseLoop();
      ThrowErrno(env, -rc, "uv_poll_start", event_path_);
    }
    // The open handle keeps the JS object, and so its callbacks, alive until stop().
    Ref();
    loop_ref_ = true;
    napi_add_env_cleanup_hook(env, StopAtExit, this);
    running_ = true;
    return;
  }
  for (Slot& slot : slots_) slot.Reserve(kSlotEvents, visible_);
  on_error_ = Napi::Persistent(on_error);
  // One queue entry per slot plus the failure: NonBlockingCall never finds it full.
  // The JS object (and so `this`) stays alive until the thread-safe function
  // is finalized: after the thread released it and every queued item ran.
  Ref();
  tsfn_ = Napi::TypedThreadSafeFunction<IrqService, size_t, Deliver>::New(
      env, on_batch, "rxuio-irq-service", kSlots + 1, 1, this,
      [](Napi::Env, void*, IrqService* self) {
        self->on_error_.Reset();
        self->Unref();
      },
      static_cast<void*>(nullptr));
  napi_add_env_cleanup_hook(env, StopAtExit, this);
  running_ = true;
  try {
    thread_ = std::thread(&IrqService::Run, this);
  } catch (const std::system_error& e) {
    // Not a Napi::Error: left alone it would terminate the process.
    running_ = false;
    napi_remove_env_cleanup_hook(env, StopAtExit, this);
    tsfn_.Release();
    ThrowCoded(env, "EIO", std::string("could not start the interrupt service thread: ") + e.what());
  }
}

IrqService::~IrqService() {
  // The JS object is being collected: its reference is going, not to be released.
  loop_ref_ = false;
  StopThread();
}

void IrqService::Fail(int err, const char* syscall, const std::string& path) {
  failure_.err = err;
  failure_.syscall = syscall;
  failure_.path = path;
}

void IrqService::FailCoded(const char* code, const std::string& message, const char* syscall) {
  failure_.code = code;
  failure_.message = message;
  failure_.syscall = syscall;
  failure_.path = event_path_;
}

bool IrqService::FailWake(ssize_t r, int err, short revents) {
  if (r < 0 && (err == EAGAIN || err == EWOULDBLOCK)) {
    if ((revents & (POLLERR | POLLHUP | POLLNVAL)) == 0) return true;  // spurious wake-up
    FailCoded("ENODEV", "poll reported an error condition on " + event_path_, "poll");
  } else if (r < 0) {
    Fail(err, "read", event_path_);
  } else if (r == 0) {
    FailCoded("ENODEV", "the event source hung up (end of file on " + event_path_ + ")", "read");
  } else {
    FailCoded("EIO", "partial count read from " + event_path_ + "; counts are written as 4 bytes", "read");
  }
  return false;
}

void IrqService::FailIrqcontrol(ssize_t w, int err) {
  if (w < 0) {
    Fail(err, "write", event_path_);
  } else {
    FailCoded("EIO", "short irqcontrol write to " + event_path_, "write");
  }
}

void IrqService::FailPciIntx(const PciCommandResult& result) {
  if (result.short_io) {
    FailCoded("EIO", config_path_ + " is shorter than a PCI configuration header (no command word at offset 4)",
              result.syscall);
    failure_.path = config_path_;
  } else {
    Fail(result.err, result.syscall, config_path_);
  }
}

bool IrqService::ServiceWake(Slot& slot, short revents) {
  const uint64_t woke = MonotonicNs();
  // /dev/uioN: exactly one 4-byte read gives the running total, into a
  // local. A FIFO or socket queues one count per event: take as many as the
  // slot holds, into a buffer kept for that (a 1 KiB array on the stack
  // here was one more page to walk per wake-up under emulation).
  int32_t one = 0;
  int32_t* pending = drain_ ? drain_counts_.data() : &one;
  const size_t want = drain_ ? (kSlotEvents - slot.count) * sizeof(int32_t) : sizeof(int32_t);
  ssize_t r;
  do {
    r = read(event_fd_, pending, want);
  } while (r < 0 && errno == EINTR);
  if (__builtin_expect(r <= 0 || r % static_cast<ssize_t>(sizeof(int32_t)) != 0, 0)) return FailWake(r, errno, revents);
  const size_t n = static_cast<size_t>(r) / sizeof(int32_t);

  // The plan: registers, ack, re-arm, in the order a C handler does them.
  // Values are kept as read (at most 32 bits) and become doubles for JS only
  // after `servicedAt`: the conversion is no part of servicing the device.
  // One width dispatch per wake-up, not per register, when the plan's reads
  // share a width (the usual case): under emulation every branch of a
  // per-read switch is a translated block of its own, which tripled the
  // cost of 4 reads against C's plain loop.
  uint32_t* values = values_;
  const Register* regs = reads_;
  const size_t count = read_count_;
  switch (uniform_bytes_) {
    case 4:
      ReadAll<uint32_t>(data_, regs, count, values);
      break;
    case 2:
      ReadAll<uint16_t>(data_, regs, count, values);
      break;
    case 1:
      ReadAll<uint8_t>(data_, regs, count, values);
      break;
    default:
      for (size_t i = 0; i < count; i++) {
        values[i] = static_cast<uint32_t>(VolatileRead(data_ + regs[i].offset, regs[i].bytes));
      }
  }
  if (has_ack_) VolatileWrite(data_ + ack_.offset, ack_.bytes, ack_from_ >= 0 ? values[ack_from_] : ack_value_);
  bool ok = true;
  if (rearm_ == Rearm::kIrqcontrol) {
    const int32_t on = 1;
    ssize_t w;
    do {
      w = write(event_fd_, &on, sizeof on);
    } while (w < 0 && errno == EINTR);
    if (__builtin_expect(w != static_cast<ssize_t>(sizeof on), 0)) {
      FailIrqcontrol(w, errno);
      ok = false;
    }
  } else if (rearm_ == Rearm::kPciIntx) {
    const PciCommandResult result = SetIntxEnabled(config_fd_, true);
    if (__builtin_expect(result.err != 0, 0)) {
      FailPciIntx(result);
      ok = false;
    }
  }
  const uint64_t serviced = MonotonicNs();

  // The events were taken (the count moved) even if the re-arm failed: they
  // are delivered before the failure.
  for (size_t e = 0; e < n; e++) {
    const size_t at = slot.count++;
    slot.counts[at] = pending[e];
    slot.missed[at] = count_.Advance(pending[e]) - 1;
    slot.times[at] = woke;
    slot.serviced[at] = serviced;
    double* out = slot.values.data() + at * visible_;
    for (size_t i = 0; i < visible_; i++) out[i] = values[i];
  }
  return ok;
}

bool IrqService::HandOff(size_t& current) {
  Slot& slot = slots_[current];
  if (slot.count == 0) return true;
  const size_t next = (current + 1) % kSlots;
  if (slots_[next].busy.load(std::memory_order_seq_cst)) {
    // Ask JS to signal when it frees a slot, then look again: a slot freed
    // between the two loads is seen now, one freed after signals.
    want_slot_.store(true, std::memory_order_seq_cst);
    if (slots_[next].busy.load(std::memory_order_seq_cst)) return false;
  }
  slot.busy.store(true, std::memory_order_release);
  // The queue holds one entry per slot, so this cannot fail for lack of room.
  tsfn_.NonBlockingCall(new size_t(current));
  current = next;
  return true;
}

void IrqService::WaitForSlot() {
  stalls_.fetch_add(1, std::memory_order_relaxed);
  pollfd control = {control_fd_, POLLIN, 0};
  while (poll(&control, 1, -1) < 0 && errno == EINTR) {
  }
  Drain(control_fd_);
}

void IrqService::Run() {
  // Named, so it can be told apart from Node's own threads in top -H, ps -L,
  // perf and ftrace (at most 15 characters; a failure changes nothing else).
  pthread_setname_np(pthread_self(), "rxuio-irq");
  pollfd fds[2] = {{event_fd_, POLLIN, 0}, {control_fd_, POLLIN, 0}};
  size_t current = 0;
  bool failed = false;
  if (realtime_ > 0) {
    // Before the first wait: no interrupt is serviced at the wrong priority.
    sched_param param{};
    param.sched_priority = realtime_;
    const int err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
    if (err != 0) {
      Fail(err, "pthread_setschedparam", event_path_);
      failed = true;
    }
  }
  while (!failed && !stop_.load(std::memory_order_relaxed)) {
    Slot& slot = slots_[current];
    if (slot.count == kSlotEvents) {
      // Backpressure: JS holds every other slot and this one is full. Stop
      // servicing (no read, no ack, no re-arm) until JS frees one; the
      // kernel keeps counting, so the gap becomes `missed`.
      if (!HandOff(current)) WaitForSlot();
      continue;
    }
    const int r = poll(fds, 2, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      Fail(errno, "poll", event_path_);
      failed = true;
      break;
    }
    if (fds[1].revents != 0) {
      Drain(control_fd_);
      if (stop_.load(std::memory_order_relaxed)) break;
    }
    if (fds[0].revents != 0) {
      if (!ServiceWake(slot, fds[0].revents)) {
        failed = true;
        break;
      }
    }
    // Events waiting in the slot go to JS now if a slot is free, else with
    // the next wake-up or when JS frees one (it signals the control fd).
    HandOff(current);
  }
  if (failed) {
    // The events before the failure first (the thread needs no next slot now).
    if (slots_[current].count > 0) {
      slots_[current].busy.store(true, std::memory_order_release);
      tsfn_.NonBlockingCall(new size_t(current));
    }
    tsfn_.NonBlockingCall(new size_t(kFailureItem));
  }
  tsfn_.Release();
}

Napi::Error IrqService::FailureError(Napi::Env env) const {
  const Failure& f = failure_;
  Napi::Error error = f.code.empty() ? ErrnoError(env, f.err, f.syscall.c_str(), f.path)
                                     : CodedError(env, f.code.c_str(), f.message);
  if (!f.code.empty()) {
    error.Set("syscall", Napi::String::New(env, f.syscall));
    error.Set("path", Napi::String::New(env, f.path));
  }
  return error;
}

napi_value IrqService::TakeBatch(Napi::Env env, napi_value buffer, Slot& slot) {
  const size_t n = slot.count;
  const size_t k = visible_;
  const BatchLayout& l = batch_layout_;
  // One napi call for both: a detached buffer has no data and length 0.
  void* data = nullptr;
  size_t length = 0;
  if (napi_get_arraybuffer_info(env, buffer, &data, &length) != napi_ok) length = 0;
  // Only code holding the service's handle could detach it; refuse rather than write to freed memory.
  const bool intact = length == l.bytes && data != nullptr;
  if (intact) {
    // One copy per batch (never per event), after which the slot is the thread's again.
    uint8_t* base = static_cast<uint8_t*>(data);
    std::copy_n(slot.times.data(), n, reinterpret_cast<uint64_t*>(base + l.times));
    std::copy_n(slot.serviced.data(), n, reinterpret_cast<uint64_t*>(base + l.serviced));
    std::copy_n(slot.values.data(), n * k, reinterpret_cast<double*>(base + l.values));
    std::copy_n(slot.counts.data(), n, reinterpret_cast<int32_t*>(base + l.counts));
    std::copy_n(slot.missed.data(), n, reinterpret_cast<uint32_t*>(base + l.missed));
  }
  slot.count = 0;
  slot.busy.store(false, std::memory_order_seq_cst);
  // The thread may be waiting for this slot (backpressure): it can go on.
  if (want_slot_.exchange(false, std::memory_order_seq_cst) && control_fd_ >= 0) Signal(control_fd_);
  if (__builtin_expect(!intact, 0)) {
    ThrowCoded(env, "EINVAL", "the interrupt service's batch memory was detached; its events are lost");
  }
  napi_value count = nullptr;
  if (napi_create_uint32(env, static_cast<uint32_t>(n), &count) != napi_ok) throw Napi::Error::New(env);
  return count;
}

Napi::Value IrqService::GetBatch(const Napi::CallbackInfo& /*info*/) { return batch_.Value(); }

void IrqService::OnPoll(uv_poll_t* handle, int status, int events) {
  IrqService* self = static_cast<IrqService*>(handle->data);
  if (self == nullptr || !self->running_) return;
  Napi::Env env = self->Env();
  Napi::HandleScope scope(env);
  // Held for this callback: JS may stop() the service from onBatch.
  Napi::Object recv = self->Value();
  // Looked up once per callback, and onBatch called through napi directly
  // rather than FunctionReference::Call (a handle scope, a reference lookup
  // and an exception check more per batch): in a ping-pong everything
  // between JS's raise and the next count read delays that interrupt, and
  // under emulation each extra call is code evicting the service's own.
  napi_value on_batch = self->on_batch_.Value();
  napi_value buffer = self->batch_buffer_.Value();
  Slot& slot = self->slots_[0];
  short revents = (events & UV_DISCONNECT) != 0 ? POLLHUP : 0;
  try {
    PollCallbackScope callback_scope(env, recv, *self->async_context_);
    // After a batch, read the count again before going back to the loop: an
    // interrupt raised meanwhile (from onBatch, as a ping-pong does, or in a
    // burst) is serviced at once, not after the loop's other phases and an
    // epoll_wait. The first read that finds nothing (EAGAIN) ends it; the
    // bound leaves timers and other I/O their turn under a flood.
    for (int turn = 0; turn < kLoopTurns; turn++) {
      bool ok = true;
      if (__builtin_expect(status < 0, 0)) {
        self->Fail(-status, "poll", self->event_path_);
        ok = false;
      } else {
        ok = self->ServiceWake(slot, revents);
      }
      const bool serviced = slot.count > 0;
      if (serviced) {
        napi_value n = self->TakeBatch(env, buffer, slot);
        callback_scope.Enter();
        napi_value result;
        // A throwing onBatch leaves its exception pending: Error::New takes it.
        if (napi_call_function(env, recv, on_batch, 1, &n, &result) != napi_ok) throw Napi::Error::New(env);
      }
      if (!self->running_ || self->poll_ == nullptr) return;  // stopped from onBatch
      if (__builtin_expect(!ok, 0)) {
        // As the thread ends on a failure: no more wake-ups; stop() releases the rest.
        self->CloseLoop();
        Napi::Error error = self->FailureError(env);
        callback_scope.Enter();
        self->on_error_.Call(recv, {error.Value()});
        return;
      }
      if (!serviced) return;
      revents = 0;
    }
  } catch (const Napi::Error& e) {
    // A throwing listener is the application's uncaught exception; it must not unwind through libuv.
    napi_fatal_exception(env, e.Value());
  }
}

void IrqService::CloseLoop() {
  if (poll_ != nullptr) {
    uv_poll_stop(poll_);
    poll_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
  }
  if (loop_ref_) {
    loop_ref_ = false;
    Unref();
  }
}

void IrqService::Deliver(Napi::Env env, Napi::Function on_batch, IrqService* self, size_t* item) {
  const size_t index = *item;
  delete item;
  if (env == nullptr || self == nullptr) return;  // torn down with the environment
  try {
    if (index == kFailureItem) {
      if (!self->running_) return;
      self->on_error_.Value().Call({self->FailureError(env).Value()});
      return;
    }
    Slot& slot = self->slots_[index];
    napi_value n = self->TakeBatch(env, self->batch_buffer_.Value(), slot);
    if (!self->running_) return;  // stopped: the batch goes with the service
    on_batch.Call({n});
  } catch (const Napi::Error& e) {
    // A throwing listener is the application's uncaught exception, as with
    // any event emitter; it must not unwind into Node's C code.
    napi_fatal_exception(env, e.Value());
  }
}

void IrqService::StopThread() {
  // Event-loop mode: out of epoll before the file closes.
  CloseLoop();
  stop_.store(true, std::memory_order_relaxed);
  if (control_fd_ >= 0) Signal(control_fd_);
  if (thread_.joinable()) thread_.join();
  // The thread is gone: its files and mapping can go too.
  if (event_fd_ >= 0) close(event_fd_);
  if (config_fd_ >= 0) close(config_fd_);
  if (control_fd_ >= 0) close(control_fd_);
  event_fd_ = config_fd_ = control_fd_ = -1;
  if (base_ != nullptr) munmap(base_, mapped_);
  base_ = nullptr;
  data_ = nullptr;
}

void IrqService::StopAtExit(void* self) { static_cast<IrqService*>(self)->StopThread(); }

void IrqService::Stop(const Napi::CallbackInfo& info) {
  if (!running_) return;
  running_ = false;
  StopThread();
  napi_remove_env_cleanup_hook(info.Env(), StopAtExit, this);
}

Napi::Value IrqService::GetRunning(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), running_);
}

Napi::Value IrqService::GetStalls(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(stalls_.load()));
}

}  // namespace rxuio
