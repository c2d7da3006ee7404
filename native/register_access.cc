#include "register_access.h"

#include <cstdint>

#include "arguments.h"
#include "errors.h"

namespace rxuio {

namespace {

using Body = napi_value (*)(Napi::Env env, RegionState& state, const napi_value* argv);

// Shared prologue: fetch arguments and state, and turn a C++ Napi::Error into
// a pending JS exception (exceptions must not unwind through N-API).
template <Body body>
napi_value Accessor(napi_env raw_env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  void* data = nullptr;
  // Missing arguments are filled with undefined, which the checks refuse.
  if (napi_get_cb_info(raw_env, info, &argc, argv, nullptr, &data) != napi_ok) return nullptr;
  RegionState& state = **static_cast<std::shared_ptr<RegionState>*>(data);
  Napi::Env env(raw_env);
  try {
    return body(env, state, argv);
  } catch (const Napi::Error& e) {
    e.ThrowAsJavaScriptException();
    return nullptr;
  }
}

size_t CheckedOffset(Napi::Env env, const RegionState& state, napi_value value, size_t bytes) {
  // Closed wins over a bad offset: the more useful message.
  if (state.closed()) ThrowCoded(env, "ECLOSED", "the region is closed");
  const int64_t offset = IntegerArg(Napi::Value(env, value), "offset", -kMaxSafeInteger, kMaxSafeInteger);
  state.CheckAccess(env, offset, bytes);
  return static_cast<size_t>(offset);
}

void CheckWritable(Napi::Env env, const RegionState& state) {
  if (state.closed()) ThrowCoded(env, "ECLOSED", "the region is closed");
  if (!state.writable) ThrowCoded(env, "EACCES", "the region is mapped read-only; open it with writable: true");
}

template <size_t bytes>
napi_value ReadNumber(Napi::Env env, RegionState& state, const napi_value* argv) {
  const size_t offset = CheckedOffset(env, state, argv[0], bytes);
  return Napi::Number::New(env, static_cast<double>(state.Read(offset, bytes)));
}

napi_value Read64(Napi::Env env, RegionState& state, const napi_value* argv) {
  const size_t offset = CheckedOffset(env, state, argv[0], 8);
  return Napi::BigInt::New(env, state.Read(offset, 8));
}

template <typename T>
napi_value WriteNumber(Napi::Env env, RegionState& state, const napi_value* argv) {
  CheckWritable(env, state);
  const size_t offset = CheckedOffset(env, state, argv[0], sizeof(T));
  const uint64_t value = RegisterValueArg(Napi::Value(env, argv[1]), sizeof(T) * 8);
  *reinterpret_cast<volatile T*>(state.data + offset) = static_cast<T>(value);
  return nullptr;
}

napi_value Write64(Napi::Env env, RegionState& state, const napi_value* argv) {
  CheckWritable(env, state);
  const size_t offset = CheckedOffset(env, state, argv[0], 8);
  const uint64_t value = RegisterValue64Arg(Napi::Value(env, argv[1]));
  *reinterpret_cast<volatile uint64_t*>(state.data + offset) = value;
  return nullptr;
}

void ReleaseShare(napi_env, void* data, void*) { delete static_cast<std::shared_ptr<RegionState>*>(data); }

}  // namespace

void InstallRegisterAccessors(Napi::Env env, Napi::Object target, const std::shared_ptr<RegionState>& state) {
  struct Entry {
    const char* name;
    napi_callback callback;
  };
  static const Entry kEntries[] = {
      {"read8", Accessor<ReadNumber<1>>},          {"read16", Accessor<ReadNumber<2>>},
      {"read32", Accessor<ReadNumber<4>>},         {"read64", Accessor<Read64>},
      {"write8", Accessor<WriteNumber<uint8_t>>},  {"write16", Accessor<WriteNumber<uint16_t>>},
      {"write32", Accessor<WriteNumber<uint32_t>>}, {"write64", Accessor<Write64>},
  };
  for (const Entry& entry : kEntries) {
    auto* share = new std::shared_ptr<RegionState>(state);
    napi_value fn = nullptr;
    if (napi_create_function(env, entry.name, NAPI_AUTO_LENGTH, entry.callback, share, &fn) != napi_ok) {
      delete share;
      throw Napi::Error::New(env);
    }
    if (napi_add_finalizer(env, fn, share, ReleaseShare, nullptr, nullptr) != napi_ok) {
      delete share;
      throw Napi::Error::New(env);
    }
    target.DefineProperty(Napi::PropertyDescriptor::Value(entry.name, Napi::Value(env, fn), napi_default));
  }
}

}  // namespace rxuio
