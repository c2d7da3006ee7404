// The sampler: fixed-rate register sampling on its own native thread.
//
// The thread sleeps with clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) to
// absolute deadlines start + k * period (so error never accumulates), reads
// the registers, stamps each sample with the time it was read and its
// deadline, and hands full batches to JS through a Napi::ThreadSafeFunction.
// Batches live in a fixed set of slots allocated up front; the JS side copies
// a slot out and frees it, so nothing is allocated per sample. When JS falls
// behind and no slot is free, or the thread wakes more than a period late,
// samples are not taken and counted as overruns: loss is counted, never
// hidden.
//
// The sampler maps the device file itself, read-only, and unmaps it only
// after its thread has stopped: closing the Region the registers belong to
// can never pull memory from under the thread.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace rxuio {

class Sampler : public Napi::ObjectWrap<Sampler> {
 public:
  // Slots a batch can be in: being filled, queued for JS, or free.
  static constexpr size_t kSlots = 4;
  static constexpr size_t kMaxRegisters = 64;

  static Napi::Function Define(Napi::Env env);

  // new Sampler(path, fileOffset, inPageOffset, length,
  //             registers: { offset, width }[], periodNs, batch, onBatch)
  // onBatch(times: BigUint64Array, deadlines: BigUint64Array,
  //         values: Float64Array, overruns: number) runs on the JS thread.
  explicit Sampler(const Napi::CallbackInfo& info);
  ~Sampler() override;

 private:
  struct Register {
    size_t offset;
    size_t bytes;
  };
  struct Slot {
    std::vector<uint64_t> times;
    std::vector<uint64_t> deadlines;
    std::vector<double> values;
    size_t count = 0;
    // false while the thread owns it (filling), true from hand-off to JS until JS freed it.
    std::atomic<bool> busy{false};
  };

  void Run();
  // Called on the JS thread for a slot the sampling thread handed over.
  static void Deliver(Napi::Env env, Napi::Function on_batch, Sampler* self, size_t* slot);
  void Stop(const Napi::CallbackInfo& info);
  void StopThread();
  static void StopAtExit(void* self);
  Napi::Value GetRunning(const Napi::CallbackInfo& info);
  Napi::Value GetOverruns(const Napi::CallbackInfo& info);

  std::string path_;
  void* base_ = nullptr;
  size_t mapped_ = 0;
  const volatile uint8_t* data_ = nullptr;
  std::vector<Register> registers_;
  uint64_t period_ns_ = 0;
  size_t batch_ = 0;
  Slot slots_[kSlots];
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> overruns_{0};
  bool running_ = false;
  std::thread thread_;
  Napi::TypedThreadSafeFunction<Sampler, size_t, Deliver> tsfn_;
};

}  // namespace rxuio
