#include "region.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "arguments.h"
#include "volatile_access.h"
#include "errors.h"
#include "register_access.h"

namespace rxuio {

namespace {

// Marks objects created by this constructor; see Region::StateOf.
constexpr napi_type_tag kRegionTag = {0x7278'7569'6f5f'7265ULL, 0x6769'6f6e'0000'0001ULL};

// Whether this runtime accepts ArrayBuffers over external memory; those with
// a V8 sandbox (Electron >= 21) refuse them. Probed once, with a static byte.
bool ExternalBuffersAllowed(napi_env env) {
  static const bool allowed = [env] {
    static uint8_t probe = 0;
    napi_value buffer = nullptr;
    return napi_create_external_arraybuffer(env, &probe, 1, nullptr, nullptr, &buffer) !=
           napi_no_external_buffers_allowed;
  }();
  return allowed;
}

// Releases a view's share of the mapping when V8 collects the ArrayBuffer.
void FinalizeView(napi_env, void*, void* hint) {
  delete static_cast<std::shared_ptr<Mapping>*>(hint);
}

}  // namespace

Mapping::~Mapping() {
  if (base_ != nullptr) munmap(base_, length_);
}

bool Mapping::Retire() {
  if (retired_ || base_ == nullptr) return base_ != nullptr;
  retired_ = true;
  // MAP_FIXED replaces the device pages in one step; nothing is allocated
  // until (unless) something touches the range.
  void* anon = mmap(base_, length_, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                    -1, 0);
  if (anon == MAP_FAILED) {
    munmap(base_, length_);
    base_ = nullptr;
  }
  return base_ != nullptr;
}

Napi::Function Region::Define(Napi::Env env) {
  return DefineClass(env, "Region",
                     {
                         InstanceMethod<&Region::ReadBlock>("readBlock"),
                         InstanceMethod<&Region::WriteBlock>("writeBlock"),
                         InstanceMethod<&Region::View>("view"),
                         InstanceMethod<&Region::Window>("window"),
                         InstanceMethod<&Region::Close>("close"),
                         InstanceAccessor<&Region::GetSize>("size"),
                         InstanceAccessor<&Region::GetClosed>("closed"),
                         InstanceAccessor<&Region::GetViewIsCopy>("viewIsCopy"),
                     });
}

std::shared_ptr<RegionState> Region::StateOf(const Napi::Value& value) {
  if (!value.IsObject()) return nullptr;
  bool tagged = false;
  if (napi_check_object_type_tag(value.Env(), value, &kRegionTag, &tagged) != napi_ok || !tagged) {
    return nullptr;
  }
  return Region::Unwrap(value.As<Napi::Object>())->state_;
}

Region::Region(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Region>(info) {
  Napi::Env env = info.Env();
  const int64_t page = sysconf(_SC_PAGESIZE);
  const std::string path = PathArg(info[0], "path");
  const int64_t file_offset = IntegerArg(info[1], "fileOffset", 0, kMaxSafeInteger);
  const int64_t in_page_offset = IntegerArg(info[2], "inPageOffset", 0, kMaxSafeInteger);
  const int64_t length = IntegerArg(info[3], "length", 1, kMaxSafeInteger);
  const bool writable = BooleanArg(info[4], "writable");
  no_external_ = BooleanArg(info[5], "copyViews") || !ExternalBuffersAllowed(env);
  // A read-only mapping cannot back a user's ArrayBuffer (a store through it
  // would SIGSEGV), so its views are copies.
  copy_views_ = no_external_ || !writable;

  if (file_offset % page != 0) {
    ThrowCoded(env, "EINVAL",
               "fileOffset " + std::to_string(file_offset) + " is not a multiple of the page size " +
                   std::to_string(page));
  }
  // All three are <= 2^53, so these sums cannot overflow 64 bits.
  const uint64_t mapped = (static_cast<uint64_t>(in_page_offset + length) + page - 1) / page * page;
  if (mapped > SIZE_MAX || file_offset + static_cast<int64_t>(mapped) < file_offset) {
    ThrowCoded(env, "ERANGE", "the mapping is too large for this platform");
  }

  int fd = open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) ThrowErrno(env, errno, "open", path);

  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    ThrowErrno(env, err, "fstat", path);
  }
  // Touching a page wholly past the end of a regular file raises SIGBUS, so
  // refuse up front. (Device files have no meaningful st_size.)
  const int64_t end = file_offset + in_page_offset + length;
  if (S_ISREG(st.st_mode) && end > st.st_size) {
    close(fd);
    ThrowCoded(env, "ERANGE",
               path + " is " + std::to_string(st.st_size) + " bytes; a region ending at byte " +
                   std::to_string(end) + " would run past its end");
  }

  void* base = mmap(nullptr, static_cast<size_t>(mapped), PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED,
                    fd, static_cast<off_t>(file_offset));
  int err = errno;
  // The mapping keeps the file referenced; the descriptor is no longer needed.
  close(fd);
  if (base == MAP_FAILED) ThrowErrno(env, err, "mmap", path);

  state_ = std::make_shared<RegionState>();
  state_->mapping = std::make_shared<Mapping>(base, static_cast<size_t>(mapped));
  state_->data = static_cast<volatile uint8_t*>(base) + in_page_offset;
  state_->length = static_cast<size_t>(length);
  state_->writable = writable;

  InstallRegisterAccessors(env, info.This().As<Napi::Object>(), state_);
  napi_type_tag_object(env, info.This(), &kRegionTag);
}

void RegionState::CheckAccess(Napi::Env env, int64_t offset, size_t bytes) const {
  if (closed()) ThrowCoded(env, "ECLOSED", "the region is closed");
  if (offset < 0 || static_cast<uint64_t>(offset) > length || bytes > length - static_cast<size_t>(offset)) {
    ThrowCoded(env, "ERANGE",
               "offset " + std::to_string(offset) + " + " + std::to_string(bytes) +
                   " bytes is outside the region of " + std::to_string(length) + " bytes");
  }
  // Natural alignment of the real address: what the bus sees, and what keeps
  // the access a single instruction.
  if (reinterpret_cast<uintptr_t>(data + offset) % bytes != 0) {
    ThrowCoded(env, "EALIGN",
               "offset " + std::to_string(offset) + " is not aligned to the " + std::to_string(bytes * 8) +
                   "-bit access width");
  }
}

uint64_t RegionState::Read(size_t offset, size_t bytes) const {
  return VolatileRead(data + offset, bytes);
}

namespace {

void CheckBlock(Napi::Env env, const RegionState& state, int64_t offset, uint64_t length) {
  if (offset < 0 || static_cast<uint64_t>(offset) > state.length ||
      length > state.length - static_cast<size_t>(offset)) {
    ThrowCoded(env, "ERANGE",
               "block [" + std::to_string(offset) + ", +" + std::to_string(length) +
                   ") is outside the region of " + std::to_string(state.length) + " bytes");
  }
}

}  // namespace

Napi::Value Region::CopyOut(Napi::Env env, size_t offset, size_t length) const {
  Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, length);
  uint8_t* dst = out.Data();
  const volatile uint8_t* src = state_->data + offset;
  // Byte by byte and volatile: device memory must see exactly these reads.
  for (size_t i = 0; i < length; ++i) dst[i] = src[i];
  return out;
}

Napi::Value Region::ReadBlock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (state_->closed()) ThrowCoded(env, "ECLOSED", "the region is closed");
  const int64_t offset = IntegerArg(info[0], "offset", -kMaxSafeInteger, kMaxSafeInteger);
  const int64_t length = IntegerArg(info[1], "length", -kMaxSafeInteger, kMaxSafeInteger);
  if (length < 0) ThrowCoded(env, "ERANGE", "length must not be negative");
  CheckBlock(env, *state_, offset, static_cast<uint64_t>(length));
  return CopyOut(env, static_cast<size_t>(offset), static_cast<size_t>(length));
}

void Region::WriteBlock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (state_->closed()) ThrowCoded(env, "ECLOSED", "the region is closed");
  if (!state_->writable) ThrowCoded(env, "EACCES", "the region is mapped read-only; open it with writable: true");
  const int64_t offset = IntegerArg(info[0], "offset", -kMaxSafeInteger, kMaxSafeInteger);
  if (!info[1].IsTypedArray()) ThrowCoded(env, "EINVAL", "data must be a Uint8Array or Buffer");
  Napi::TypedArray typed = info[1].As<Napi::TypedArray>();
  if (typed.TypedArrayType() != napi_uint8_array && typed.TypedArrayType() != napi_uint8_clamped_array) {
    ThrowCoded(env, "EINVAL", "data must be a Uint8Array or Buffer");
  }
  Napi::Uint8Array bytes = info[1].As<Napi::Uint8Array>();
  const size_t length = bytes.ElementLength();
  CheckBlock(env, *state_, offset, length);
  const volatile uint8_t* src = bytes.Data();
  volatile uint8_t* dst = state_->data + offset;
  // `data` may be a view of this very mapping: copy in the direction that
  // survives overlap, like memmove, but volatile.
  if (dst > src && dst < src + length) {
    for (size_t i = length; i > 0; --i) dst[i - 1] = src[i - 1];
  } else {
    for (size_t i = 0; i < length; ++i) dst[i] = src[i];
  }
}

Napi::ArrayBuffer Region::NewExternalBuffer(Napi::Env env) {
  if (no_external_) return Napi::ArrayBuffer();
  // Each buffer holds its own share of the mapping, so the address range
  // outlives every buffer over it (see FinalizeView).
  auto* share = new std::shared_ptr<Mapping>(state_->mapping);
  napi_value buffer = nullptr;
  napi_status status = napi_create_external_arraybuffer(env, const_cast<uint8_t*>(state_->data), state_->length,
                                                        FinalizeView, share, &buffer);
  if (status != napi_ok) {
    delete share;
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
    // Runtimes with a V8 sandbox (Electron >= 21) refuse external memory;
    // from now on this region hands out copies.
    if (status == napi_no_external_buffers_allowed) {
      no_external_ = true;
      copy_views_ = true;
      return Napi::ArrayBuffer();
    }
    ThrowCoded(env, "EIO", "could not create an ArrayBuffer over the mapping");
  }
  return Napi::ArrayBuffer(env, buffer);
}

Napi::ArrayBuffer Region::ViewBuffer(Napi::Env env) {
  // Reuse the live buffer: one external ArrayBuffer for all views at a time,
  // so close() has one buffer to detach.
  if (!view_.IsEmpty()) {
    Napi::ArrayBuffer live = view_.Value();
    if (!live.IsEmpty()) return live;
  }
  Napi::ArrayBuffer ab = NewExternalBuffer(env);
  if (!ab.IsEmpty()) view_ = Napi::Reference<Napi::ArrayBuffer>::New(ab, 0);
  return ab;
}

Napi::Value Region::View(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (state_->closed()) ThrowCoded(env, "ECLOSED", "the region is closed");
  const size_t length = state_->length;
  if (copy_views_) return CopyOut(env, 0, length);
  Napi::ArrayBuffer ab = ViewBuffer(env);
  if (ab.IsEmpty()) return CopyOut(env, 0, length);
  return Napi::Uint8Array::New(env, length, ab, 0);
}

Napi::Value Region::Window(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (state_->closed()) ThrowCoded(env, "ECLOSED", "the region is closed");
  // The register reads and writes in JS go through this buffer (see
  // src/native/region.ts). It is a buffer of its own, not the views' one, and
  // close() does not detach it: detaching any ArrayBuffer invalidates V8's
  // process-wide detach protector and adds a detach check to every optimised
  // typed-array access from then on, in every region. Instead NativeRegion
  // drops its arrays over it at close, and Retire() swaps the device pages
  // under it for anonymous memory, which the buffer keeps reserved until V8
  // collects it. For a read-only mapping it exists only for the loads.
  if (window_taken_) return env.Undefined();
  window_taken_ = true;
  Napi::ArrayBuffer ab = NewExternalBuffer(env);
  if (ab.IsEmpty()) return env.Undefined();
  window_ = Napi::Reference<Napi::ArrayBuffer>::New(ab, 0);
  return ab;
}

void Region::Close(const Napi::CallbackInfo& info) {
  if (state_->closed()) return;
  Napi::Env env = info.Env();
  // Only the users' views are detached; the window is not (see Window()).
  DetachBuffer(env, view_);
  // Accessors and snapshot readers share the state: from here they see ECLOSED.
  state_->data = nullptr;
  // Should the anonymous replacement fail (out of memory), the range is gone:
  // then the window must not outlive it either, whatever that costs.
  if (!state_->mapping->Retire()) DetachBuffer(env, window_);
  window_.Reset();
  state_->mapping.reset();
}

void Region::DetachBuffer(Napi::Env env, Napi::Reference<Napi::ArrayBuffer>& buffer) {
  if (buffer.IsEmpty()) return;
  Napi::ArrayBuffer live = buffer.Value();
  // Detached buffers have byteLength 0: every array over them goes inert.
  if (!live.IsEmpty()) napi_detach_arraybuffer(env, live);
  buffer.Reset();
}

Napi::Value Region::GetSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(state_->length));
}

Napi::Value Region::GetClosed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), state_->closed());
}

Napi::Value Region::GetViewIsCopy(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), copy_views_);
}

}  // namespace rxuio
