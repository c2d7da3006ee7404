// Errors thrown by the native layer. Every one is a JS Error with a `code`
// the TS wrappers map to an RxuioError (src/native/errors.ts): one of the
// rxuio codes ECLOSED, ERANGE, EALIGN, EINVAL, or an errno name ("EACCES",
// "ENOSYS", ...) with `errno` (the number) and `syscall` set.
#pragma once

#include <napi.h>

#include <string>

namespace rxuio {

// The symbolic name of an errno value ("EAGAIN"); "EUNKNOWN" when unnamed.
const char* ErrnoName(int err);

// An Error carrying one of rxuio's own codes (no system call involved).
Napi::Error CodedError(Napi::Env env, const char* code, const std::string& message);

// An Error describing a failed system call; `path` is set when non-empty.
Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const std::string& path = "");

[[noreturn]] void ThrowCoded(Napi::Env env, const char* code, const std::string& message);
[[noreturn]] void ThrowErrno(Napi::Env env, int err, const char* syscall, const std::string& path = "");

}  // namespace rxuio
