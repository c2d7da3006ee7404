#include "arguments.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>

#include "errors.h"

namespace rxuio {

namespace {

std::string Shown(double d) {
  char shown[64];
  std::snprintf(shown, sizeof shown, "%.17g", d);
  return shown;
}

}  // namespace

int64_t IntegerArg(const Napi::Value& value, const char* what, int64_t min, int64_t max) {
  Napi::Env env = value.Env();
  double d = 0;
  // One N-API call both type-checks and reads: this sits on every register access.
  if (napi_get_value_double(env, value, &d) != napi_ok) {
    ThrowCoded(env, "EINVAL", std::string(what) + " must be a number");
  }
  if (!std::isfinite(d) || std::trunc(d) != d) {
    ThrowCoded(env, "EINVAL", std::string(what) + " must be an integer, got " + Shown(d));
  }
  // Compare as doubles first: casting an out-of-range double to int64 is UB.
  if (d < static_cast<double>(min) || d > static_cast<double>(max)) {
    char range[96];
    std::snprintf(range, sizeof range, "[%" PRId64 ", %" PRId64 "]", min, max);
    ThrowCoded(env, "ERANGE", std::string(what) + " " + Shown(d) + " is outside " + range);
  }
  return static_cast<int64_t>(d);
}

uint64_t RegisterValueArg(const Napi::Value& value, unsigned bits) {
  const int64_t max = (int64_t{1} << bits) - 1;
  const int64_t min = -(int64_t{1} << (bits - 1));
  const int64_t v = IntegerArg(value, "value", min, max);
  return static_cast<uint64_t>(v) & static_cast<uint64_t>(max);
}

uint64_t RegisterValue64Arg(const Napi::Value& value) {
  Napi::Env env = value.Env();
  if (!value.IsBigInt()) ThrowCoded(env, "EINVAL", "a 64-bit value must be a BigInt");
  bool lossless = false;
  uint64_t u = value.As<Napi::BigInt>().Uint64Value(&lossless);
  if (lossless) return u;
  int64_t s = value.As<Napi::BigInt>().Int64Value(&lossless);
  if (lossless && s < 0) return static_cast<uint64_t>(s);
  ThrowCoded(env, "ERANGE", "a 64-bit value must be in [-2^63, 2^64)");
}

std::string PathArg(const Napi::Value& value, const char* what) {
  Napi::Env env = value.Env();
  if (!value.IsString()) ThrowCoded(env, "EINVAL", std::string(what) + " must be a string");
  std::string path = value.As<Napi::String>().Utf8Value();
  if (path.empty()) ThrowCoded(env, "EINVAL", std::string(what) + " must not be empty");
  if (path.find('\0') != std::string::npos) {
    ThrowCoded(env, "EINVAL", std::string(what) + " must not contain NUL bytes");
  }
  return path;
}

bool BooleanArg(const Napi::Value& value, const char* what) {
  if (!value.IsBoolean()) ThrowCoded(value.Env(), "EINVAL", std::string(what) + " must be a boolean");
  return value.As<Napi::Boolean>().Value();
}

Napi::Function FunctionArg(const Napi::Value& value, const char* what) {
  if (!value.IsFunction()) ThrowCoded(value.Env(), "EINVAL", std::string(what) + " must be a function");
  return value.As<Napi::Function>();
}

}  // namespace rxuio
