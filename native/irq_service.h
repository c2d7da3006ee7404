// The interrupt service thread: a declared service plan (snapshot reads, an
// ack write, a re-arm) executed natively, on a dedicated std::thread, the
// moment the interrupt wakes it — whatever the JS event loop is doing.
//
// The thread blocks in poll() on its own open file of /dev/uioN (or, in
// tests, a FIFO carrying 4-byte counts) and a stop eventfd. At each wake-up
// it stamps CLOCK_MONOTONIC, reads the count(s), reads the plan's registers
// (volatile, width-exact, from its OWN mapping of the map, so closing the
// JS region can never pull memory from under it), writes the ack (a constant,
// or the value just read from one of the registers: the write-1-to-clear
// "write the status back" idiom), re-arms the line (irqcontrol: write(fd, 1);
// pci-intx: read-modify-write of the command word in device/config), stamps
// again (`servicedAt`) and queues the events for JS.
//
// Events reach JS in batches through a thread-safe function. Batches live in
// a fixed ring of slots: the thread fills one and hands it over as soon as
// the next is free, so while JS is busy further wake-ups accumulate into one
// batch. When every slot is still held by JS and the one being filled is
// full, the thread stops servicing: it no longer reads, acks or re-arms, the
// line stays masked and the kernel count keeps counting, so the loss shows
// up exactly as `missed` on the next event — nothing is dropped silently.
//
// With a realtime priority the thread is SCHED_FIFO: on a machine with one
// CPU an interrupt then preempts the JS thread at once instead of waiting
// for it to block in the event loop.
//
// A failure (POLLERR/EOF on unplug, a refused config write...) is delivered
// after the events before it, and ends the thread. stop() and process exit
// join the thread; nothing it uses is released before that.
//
// With `eventLoop` the same plan runs without a thread: a uv_poll handle in
// the main loop services each wake-up in its callback, then hands the batch
// to JS directly. No context switch per interrupt (on one CPU that is most
// of the thread's cost), but servicing waits for JS to return to the loop.
// One callback scope covers the wake-ups a poll callback services back to
// back: microtasks and process.nextTick callbacks JS queued from onBatch run
// when the callback returns to the loop, not between two of them.
#pragma once

#include <napi.h>
#include <sys/types.h>
#include <uv.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "event_count.h"
#include "pci_command.h"

namespace rxuio {

class IrqService : public Napi::ObjectWrap<IrqService> {
 public:
  // Slots in the ring, and events one slot (one batch) holds.
  static constexpr size_t kSlots = 8;
  static constexpr size_t kSlotEvents = 256;
  static constexpr size_t kMaxRegisters = 64;
  // Event-loop mode: most wake-ups one poll callback services back to back.
  static constexpr int kLoopTurns = 64;

  static Napi::Function Define(Napi::Env env);

  // new IrqService(plan, onBatch, onError)
  //   plan: { eventPath, baseline?, region?: { path, fileOffset, inPageOffset, length },
  //           reads: { offset, width: 8|16|32 }[], visible: number (the first `visible`
  //           reads are delivered; the rest are read only for the ack),
  //           ack?: { offset, width, value?: number, from?: index into reads },
  //           rearm: "none" | "irqcontrol" | "pci-intx", configPath?,
  //           realtime?: 0..99 (SCHED_FIFO priority of the thread; 0 = normal),
  //           eventLoop?: boolean (service in the main loop; no thread, no realtime) }
  //   onBatch(n) on the JS thread: the batch's n events are in `batch`
  //   onError(error) at most once, after the last batch
  //   batch: { counts: Int32Array, missed: Uint32Array, times: BigUint64Array,
  //            servicedAt: BigUint64Array, values: Float64Array } of kSlotEvents
  //            events (values: `visible` per event), allocated once and
  //            overwritten before each onBatch: JS copies out what it keeps
  //            before returning (no allocation per batch in the native->JS hop)
  explicit IrqService(const Napi::CallbackInfo& info);
  ~IrqService() override;

  struct Register {
    size_t offset;
    size_t bytes;
  };
  // Byte offsets of the batch's columns in its one buffer (8-byte columns
  // first, so every column is aligned), and its size.
  struct BatchLayout {
    size_t times;
    size_t serviced;
    size_t values;
    size_t counts;
    size_t missed;
    size_t bytes;
  };

 private:
  enum class Rearm { kNone, kIrqcontrol, kPciIntx };
  struct Slot {
    std::vector<int32_t> counts;
    std::vector<uint32_t> missed;
    std::vector<uint64_t> times;
    std::vector<uint64_t> serviced;
    std::vector<double> values;
    size_t count = 0;
    // false while the thread fills it; true from hand-off until JS copied it out.
    std::atomic<bool> busy{false};

    // Room for `events` wake-ups of `per_event` register values each, allocated once.
    void Reserve(size_t events, size_t per_event) {
      counts.resize(events);
      missed.resize(events);
      times.resize(events);
      serviced.resize(events);
      values.resize(events * per_event);
    }
  };
  // What ended the thread, for JS: an errno with its system call, or one of
  // rxuio's codes with a message.
  struct Failure {
    int err = 0;
    std::string code;
    std::string syscall;
    std::string message;
    std::string path;
  };
  static constexpr size_t kFailureItem = SIZE_MAX;

  void Run();
  // One wake-up of the event fd; false when it failed (failure_ set).
  // In the per-interrupt path's section (RXUIO_IRQ_PATH, irq_path.h).
  RXUIO_IRQ_PATH bool ServiceWake(Slot& slot, short revents);
  // ServiceWake's failure paths, out of line and cold (they build strings):
  // a count read that gave r bytes (errno err; true for a spurious wake-up),
  // an irqcontrol write that gave w bytes (errno err), a failed pci-intx re-arm.
  __attribute__((cold, noinline)) bool FailWake(ssize_t r, int err, short revents);
  __attribute__((cold, noinline)) void FailIrqcontrol(ssize_t w, int err);
  __attribute__((cold, noinline)) void FailPciIntx(const PciCommandResult& result);
  // Hands the filled slot to JS if the next one is free; false when JS holds it.
  bool HandOff(size_t& current);
  // Blocks until JS frees a slot or stop() is called.
  void WaitForSlot();
  void Fail(int err, const char* syscall, const std::string& path);
  void FailCoded(const char* code, const std::string& message, const char* syscall);

  static void Deliver(Napi::Env env, Napi::Function on_batch, IrqService* self, size_t* item);
  // Copies the slot into `batch` (`buffer`, batch_buffer_'s value), frees
  // the slot (signalling a thread waiting for it) and returns onBatch's
  // argument, the event count; throws if JS detached the batch's memory.
  RXUIO_IRQ_PATH napi_value TakeBatch(Napi::Env env, napi_value buffer, Slot& slot);
  Napi::Value GetBatch(const Napi::CallbackInfo& info);
  Napi::Error FailureError(Napi::Env env) const;
  // Event-loop mode: the poll callback, and closing the handle (idempotent).
  RXUIO_IRQ_PATH static void OnPoll(uv_poll_t* handle, int status, int events);
  void CloseLoop();
  void Stop(const Napi::CallbackInfo& info);
  void StopThread();
  static void StopAtExit(void* self);
  Napi::Value GetRunning(const Napi::CallbackInfo& info);
  Napi::Value GetStalls(const Napi::CallbackInfo& info);

  std::string event_path_;
  std::string config_path_;
  int event_fd_ = -1;
  int config_fd_ = -1;
  // eventfd: written by stop() and by JS freeing a slot the thread waits for.
  int control_fd_ = -1;
  bool drain_ = false;
  // FIFO or socket event sources only: the counts one read drains.
  std::vector<int32_t> drain_counts_;
  EventCount count_;

  void* base_ = nullptr;
  size_t mapped_ = 0;
  // What ServiceWake touches, together, inside the object: the registers and
  // the values read from them are arrays here rather than a vector's heap
  // block and a stack array. Between two interrupts the JS thread (or, on
  // one CPU, anything) evicts what the service last touched from the TLB; a
  // page fewer to walk per wake-up is measurable under emulation, where
  // every TLB refill is a software page walk.
  volatile uint8_t* data_ = nullptr;
  // The width (bytes) every read shares, or 0 for a plan mixing widths.
  size_t uniform_bytes_ = 0;
  size_t read_count_ = 0;
  size_t visible_ = 0;
  bool has_ack_ = false;
  Register ack_{0, 0};
  uint64_t ack_value_ = 0;
  // Index into reads_ whose value is written back as the ack; -1 for the constant.
  long ack_from_ = -1;
  Rearm rearm_ = Rearm::kNone;
  int realtime_ = 0;
  // The last wake-up's register values, kept as read (at most 32 bits).
  uint32_t values_[kMaxRegisters] = {};
  Register reads_[kMaxRegisters] = {};

  Slot slots_[kSlots];
  std::atomic<bool> stop_{false};
  std::atomic<bool> want_slot_{false};
  std::atomic<uint64_t> stalls_{0};
  Failure failure_;
  bool running_ = false;
  std::thread thread_;
  Napi::FunctionReference on_error_;
  Napi::TypedThreadSafeFunction<IrqService, size_t, Deliver> tsfn_;

  bool on_loop_ = false;
  // Freed by its close callback, which may run after this object is gone.
  uv_poll_t* poll_ = nullptr;
  // Whether the open handle holds a reference to the JS object.
  bool loop_ref_ = false;
  Napi::FunctionReference on_batch_;
  std::unique_ptr<Napi::AsyncContext> async_context_;

  // The batch JS reads: one ArrayBuffer under the five typed arrays of `batch`.
  Napi::Reference<Napi::ArrayBuffer> batch_buffer_;
  Napi::ObjectReference batch_;
  BatchLayout batch_layout_{};
};

}  // namespace rxuio
