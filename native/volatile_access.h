#pragma once

// Width-exact access to device memory. Registers must see exactly one load
// or store of exactly the width asked for: never split, merged, repeated or
// elided, which `volatile` guarantees and a plain memcpy does not. The
// caller has checked bounds and alignment (an aligned access of these sizes
// is a single instruction on every supported CPU).

#include <cstddef>
#include <cstdint>

namespace rxuio {

// Reads 1, 2, 4 or 8 bytes at `at`.
inline uint64_t VolatileRead(const volatile uint8_t* at, size_t bytes) {
  switch (bytes) {
    case 1:
      return *at;
    case 2:
      return *reinterpret_cast<const volatile uint16_t*>(at);
    case 4:
      return *reinterpret_cast<const volatile uint32_t*>(at);
    default:
      return *reinterpret_cast<const volatile uint64_t*>(at);
  }
}

// Writes the low 1, 2, 4 or 8 bytes of `value` at `at`.
inline void VolatileWrite(volatile uint8_t* at, size_t bytes, uint64_t value) {
  switch (bytes) {
    case 1:
      *at = static_cast<uint8_t>(value);
      break;
    case 2:
      *reinterpret_cast<volatile uint16_t*>(at) = static_cast<uint16_t>(value);
      break;
    case 4:
      *reinterpret_cast<volatile uint32_t*>(at) = static_cast<uint32_t>(value);
      break;
    default:
      *reinterpret_cast<volatile uint64_t*>(at) = value;
      break;
  }
}

}  // namespace rxuio
