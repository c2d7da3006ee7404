#include "region.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "arguments.h"
#include "errors.h"

namespace rxuio {

namespace {

// Marks objects created by this constructor; see Region::FromValue.
constexpr napi_type_tag kRegionTag = {0x7278'7569'6f5f'7265ULL, 0x6769'6f6e'0000'0001ULL};

// Releases a view's share of the mapping when V8 collects the ArrayBuffer.
void FinalizeView(napi_env, void*, void* hint) {
  delete static_cast<std::shared_ptr<Mapping>*>(hint);
}

}  // namespace

void Mapping::Unmap() {
  if (base_ != nullptr) {
    munmap(base_, length_);
    base_ = nullptr;
  }
}

Napi::Function Region::Define(Napi::Env env) {
  return DefineClass(env, "Region",
                     {
                         InstanceMethod<&Region::Read8>("read8"),
                         InstanceMethod<&Region::Read16>("read16"),
                         InstanceMethod<&Region::Read32>("read32"),
                         InstanceMethod<&Region::Read64>("read64"),
                         InstanceMethod<&Region::Write8>("write8"),
                         InstanceMethod<&Region::Write16>("write16"),
                         InstanceMethod<&Region::Write32>("write32"),
                         InstanceMethod<&Region::Write64>("write64"),
                         InstanceMethod<&Region::ReadBlock>("readBlock"),
                         InstanceMethod<&Region::WriteBlock>("writeBlock"),
                         InstanceMethod<&Region::View>("view"),
                         InstanceMethod<&Region::Close>("close"),
                         InstanceAccessor<&Region::GetSize>("size"),
                         InstanceAccessor<&Region::GetClosed>("closed"),
                         InstanceAccessor<&Region::GetViewIsCopy>("viewIsCopy"),
                     });
}

Region* Region::FromValue(const Napi::Value& value) {
  if (!value.IsObject()) return nullptr;
  bool tagged = false;
  if (napi_check_object_type_tag(value.Env(), value, &kRegionTag, &tagged) != napi_ok || !tagged) {
    return nullptr;
  }
  return Region::Unwrap(value.As<Napi::Object>());
}

Region::Region(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Region>(info) {
  Napi::Env env = info.Env();
  const int64_t page = sysconf(_SC_PAGESIZE);
  const std::string path = PathArg(info[0], "path");
  const int64_t file_offset = IntegerArg(info[1], "fileOffset", 0, kMaxSafeInteger);
  const int64_t in_page_offset = IntegerArg(info[2], "inPageOffset", 0, kMaxSafeInteger);
  const int64_t length = IntegerArg(info[3], "length", 1, kMaxSafeInteger);
  writable_ = BooleanArg(info[4], "writable");
  // A read-only mapping cannot back a JS ArrayBuffer (a store through it
  // would SIGSEGV), so its views are copies.
  copy_views_ = BooleanArg(info[5], "copyViews") || !writable_;

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

  int fd = open(path.c_str(), (writable_ ? O_RDWR : O_RDONLY) | O_CLOEXEC);
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

  void* base = mmap(nullptr, static_cast<size_t>(mapped), PROT_READ | (writable_ ? PROT_WRITE : 0), MAP_SHARED,
                    fd, static_cast<off_t>(file_offset));
  int err = errno;
  // The mapping keeps the file referenced; the descriptor is no longer needed.
  close(fd);
  if (base == MAP_FAILED) ThrowErrno(env, err, "mmap", path);

  mapping_ = std::make_shared<Mapping>(base, static_cast<size_t>(mapped));
  data_ = static_cast<volatile uint8_t*>(base) + in_page_offset;
  length_ = static_cast<size_t>(length);

  napi_type_tag_object(env, info.This(), &kRegionTag);
}

void Region::CheckAccess(Napi::Env env, int64_t offset, size_t bytes) const {
  if (closed()) ThrowCoded(env, "ECLOSED", "the region is closed");
  if (offset < 0 || static_cast<uint64_t>(offset) > length_ || bytes > length_ - static_cast<size_t>(offset)) {
    ThrowCoded(env, "ERANGE",
               "offset " + std::to_string(offset) + " + " + std::to_string(bytes) +
                   " bytes is outside the region of " + std::to_string(length_) + " bytes");
  }
  // Natural alignment of the real address: what the bus sees, and what keeps
  // the access a single instruction.
  if (reinterpret_cast<uintptr_t>(data_ + offset) % bytes != 0) {
    ThrowCoded(env, "EALIGN",
               "offset " + std::to_string(offset) + " is not aligned to the " + std::to_string(bytes * 8) +
                   "-bit access width");
  }
}

uint64_t Region::ReadChecked(size_t offset, size_t bytes) const {
  volatile uint8_t* p = data_ + offset;
  switch (bytes) {
    case 1:
      return *p;
    case 2:
      return *reinterpret_cast<volatile uint16_t*>(p);
    case 4:
      return *reinterpret_cast<volatile uint32_t*>(p);
    default:
      return *reinterpret_cast<volatile uint64_t*>(p);
  }
}

size_t Region::OffsetArg(const Napi::Value& value, size_t bytes) const {
  Napi::Env env = value.Env();
  // Closed wins over a bad offset: the more useful message.
  if (closed()) ThrowCoded(env, "ECLOSED", "the region is closed");
  const int64_t offset = IntegerArg(value, "offset", -kMaxSafeInteger, kMaxSafeInteger);
  CheckAccess(env, offset, bytes);
  return static_cast<size_t>(offset);
}

void Region::CheckWritable(Napi::Env env) const {
  if (closed()) ThrowCoded(env, "ECLOSED", "the region is closed");
  if (!writable_) ThrowCoded(env, "EACCES", "the region is mapped read-only; open it with writable: true");
}

Napi::Value Region::Read8(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ReadChecked(OffsetArg(info[0], 1), 1)));
}

Napi::Value Region::Read16(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ReadChecked(OffsetArg(info[0], 2), 2)));
}

Napi::Value Region::Read32(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ReadChecked(OffsetArg(info[0], 4), 4)));
}

Napi::Value Region::Read64(const Napi::CallbackInfo& info) {
  return Napi::BigInt::New(info.Env(), ReadChecked(OffsetArg(info[0], 8), 8));
}

void Region::Write8(const Napi::CallbackInfo& info) {
  CheckWritable(info.Env());
  const size_t offset = OffsetArg(info[0], 1);
  const uint64_t value = RegisterValueArg(info[1], 8);
  *(data_ + offset) = static_cast<uint8_t>(value);
}

void Region::Write16(const Napi::CallbackInfo& info) {
  CheckWritable(info.Env());
  const size_t offset = OffsetArg(info[0], 2);
  const uint64_t value = RegisterValueArg(info[1], 16);
  *reinterpret_cast<volatile uint16_t*>(data_ + offset) = static_cast<uint16_t>(value);
}

void Region::Write32(const Napi::CallbackInfo& info) {
  CheckWritable(info.Env());
  const size_t offset = OffsetArg(info[0], 4);
  const uint64_t value = RegisterValueArg(info[1], 32);
  *reinterpret_cast<volatile uint32_t*>(data_ + offset) = static_cast<uint32_t>(value);
}

void Region::Write64(const Napi::CallbackInfo& info) {
  CheckWritable(info.Env());
  const size_t offset = OffsetArg(info[0], 8);
  const uint64_t value = RegisterValue64Arg(info[1]);
  *reinterpret_cast<volatile uint64_t*>(data_ + offset) = value;
}

Napi::Value Region::CopyOut(Napi::Env env, size_t offset, size_t length) const {
  Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, length);
  uint8_t* dst = out.Data();
  // Byte by byte and volatile: device memory must see exactly these reads.
  for (size_t i = 0; i < length; ++i) dst[i] = data_[offset + i];
  return out;
}

Napi::Value Region::ReadBlock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed()) ThrowCoded(env, "ECLOSED", "the region is closed");
  const int64_t offset = IntegerArg(info[0], "offset", -kMaxSafeInteger, kMaxSafeInteger);
  const int64_t length = IntegerArg(info[1], "length", -kMaxSafeInteger, kMaxSafeInteger);
  if (length < 0) ThrowCoded(env, "ERANGE", "length must not be negative");
  if (offset < 0 || static_cast<uint64_t>(offset) > length_ ||
      static_cast<uint64_t>(length) > length_ - static_cast<size_t>(offset)) {
    ThrowCoded(env, "ERANGE",
               "block [" + std::to_string(offset) + ", +" + std::to_string(length) +
                   ") is outside the region of " + std::to_string(length_) + " bytes");
  }
  return CopyOut(env, static_cast<size_t>(offset), static_cast<size_t>(length));
}

void Region::WriteBlock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckWritable(env);
  const int64_t offset = IntegerArg(info[0], "offset", -kMaxSafeInteger, kMaxSafeInteger);
  if (!info[1].IsTypedArray()) ThrowCoded(env, "EINVAL", "data must be a Uint8Array or Buffer");
  Napi::TypedArray typed = info[1].As<Napi::TypedArray>();
  if (typed.TypedArrayType() != napi_uint8_array && typed.TypedArrayType() != napi_uint8_clamped_array) {
    ThrowCoded(env, "EINVAL", "data must be a Uint8Array or Buffer");
  }
  Napi::Uint8Array bytes = info[1].As<Napi::Uint8Array>();
  const size_t length = bytes.ElementLength();
  if (offset < 0 || static_cast<uint64_t>(offset) > length_ || length > length_ - static_cast<size_t>(offset)) {
    ThrowCoded(env, "ERANGE",
               "block [" + std::to_string(offset) + ", +" + std::to_string(length) +
                   ") is outside the region of " + std::to_string(length_) + " bytes");
  }
  const volatile uint8_t* src = bytes.Data();
  volatile uint8_t* dst = data_ + offset;
  // `data` may be a view of this very mapping: copy in the direction that
  // survives overlap, like memmove, but volatile.
  if (dst > src && dst < src + length) {
    for (size_t i = length; i > 0; --i) dst[i - 1] = src[i - 1];
  } else {
    for (size_t i = 0; i < length; ++i) dst[i] = src[i];
  }
}

Napi::Value Region::View(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed()) ThrowCoded(env, "ECLOSED", "the region is closed");
  if (copy_views_) return CopyOut(env, 0, length_);

  // Reuse the live buffer: one external ArrayBuffer per mapping at a time.
  if (!view_.IsEmpty()) {
    Napi::ArrayBuffer live = view_.Value();
    if (!live.IsEmpty()) return Napi::Uint8Array::New(env, length_, live, 0);
  }
  auto* share = new std::shared_ptr<Mapping>(mapping_);
  napi_value buffer = nullptr;
  napi_status status = napi_create_external_arraybuffer(env, const_cast<uint8_t*>(data_), length_, FinalizeView,
                                                        share, &buffer);
  if (status != napi_ok) {
    delete share;
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
    // Runtimes with a V8 sandbox (Electron >= 21) refuse external memory;
    // from now on this region hands out copies.
    if (status == napi_no_external_buffers_allowed) {
      copy_views_ = true;
      return CopyOut(env, 0, length_);
    }
    ThrowCoded(env, "EIO", "could not create an ArrayBuffer over the mapping");
  }
  Napi::ArrayBuffer ab(env, buffer);
  view_ = Napi::Reference<Napi::ArrayBuffer>::New(ab, 0);
  return Napi::Uint8Array::New(env, length_, ab, 0);
}

void Region::Close(const Napi::CallbackInfo& info) {
  if (closed()) return;
  if (!view_.IsEmpty()) {
    Napi::ArrayBuffer live = view_.Value();
    // Detached buffers have byteLength 0: every view over them goes inert.
    if (!live.IsEmpty()) napi_detach_arraybuffer(info.Env(), live);
    view_.Reset();
  }
  data_ = nullptr;
  mapping_->Unmap();
  mapping_.reset();
}

Napi::Value Region::GetSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(length_));
}

Napi::Value Region::GetClosed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), closed());
}

Napi::Value Region::GetViewIsCopy(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), copy_views_);
}

}  // namespace rxuio
