// Argument checks for every native entry point. JS can pass anything, so each
// value is checked for type and range here, in C++, before it can become a
// pointer offset or a syscall argument: bad input gives a coded Error
// (EINVAL for a wrong type or a fractional number, ERANGE for a value outside
// its range), never undefined behaviour.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace rxuio {

// 2^53 - 1: every integer up to here is exact in a JS number.
constexpr int64_t kMaxSafeInteger = 9007199254740991LL;

// An integral JS number in [min, max].
int64_t IntegerArg(const Napi::Value& value, const char* what, int64_t min, int64_t max);

// A register value for a write of `bits` (8, 16 or 32) bits. Accepts the
// unsigned range and, because JS bit operators yield signed 32-bit results,
// the signed one too (two's complement): write8(-1) writes 0xff,
// write8(300) is ERANGE.
uint64_t RegisterValueArg(const Napi::Value& value, unsigned bits);

// A 64-bit register value: a BigInt in [-2^63, 2^64).
uint64_t RegisterValue64Arg(const Napi::Value& value);

// A non-empty path without NUL bytes (a NUL would silently truncate it).
std::string PathArg(const Napi::Value& value, const char* what);

bool BooleanArg(const Napi::Value& value, const char* what);

Napi::Function FunctionArg(const Napi::Value& value, const char* what);

}  // namespace rxuio
