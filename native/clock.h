// CLOCK_MONOTONIC in nanoseconds: the one time base of rxuio, taken in native
// code so interrupt timestamps are not skewed by JS scheduling.
#pragma once

#include <cstdint>
#include <ctime>

namespace rxuio {

inline uint64_t MonotonicNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace rxuio
