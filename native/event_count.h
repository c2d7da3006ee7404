#pragma once

// Loss accounting of a UIO event count, shared by every reader of one.
//
// /dev/uioN returns the device's running interrupt count as a signed 32-bit
// integer. A reader that remembers the last count it saw knows how many
// interrupts one wake-up stands for: the difference, of which all but one
// were missed (coalesced before the reader got round to it).

#include <cstdint>

namespace rxuio {

class EventCount {
 public:
  // Starts from a count seen elsewhere (sysfs `event`, printed unsigned),
  // so the first read already reports what was missed since then.
  void SetBaseline(uint32_t baseline) {
    last_ = static_cast<int32_t>(baseline);
    has_last_ = true;
  }

  // Records `count` as seen; returns the interrupts it stands for (>= 1).
  uint32_t Advance(int32_t count) {
    int32_t delta = 1;
    if (has_last_) {
      // Unsigned subtraction: the s32 count may wrap from INT32_MAX to INT32_MIN.
      delta = static_cast<int32_t>(static_cast<uint32_t>(count) - static_cast<uint32_t>(last_));
    }
    // A count that did not move (or a baseline ahead of the device) still
    // stands for the one event that woke us.
    if (delta < 1) delta = 1;
    last_ = count;
    has_last_ = true;
    return static_cast<uint32_t>(delta);
  }

 private:
  bool has_last_ = false;
  int32_t last_ = 0;
};

}  // namespace rxuio
