// The register accessors of a region: read8/16/32/64 and write8/16/32/64.
// NativeRegion reads in JS from the region's window where it can (see
// src/native/region.ts); these reads are its fallback, the writes its only path.
//
// Writes are a hot path (a driver acks and kicks registers in loops), so
// they are plain N-API functions installed on each Region object, carrying
// their RegionState as callback data: no ObjectWrap unwrap per call, which
// costs about as much as the rest of the call together. Each function holds
// a share of the state, released by a finalizer when the function is
// collected, so a function that outlives its Region still finds valid state
// (closed, or mapped) and never a dangling pointer.
#pragma once

#include <napi.h>

#include <memory>

#include "region.h"

namespace rxuio {

// Defines read8..write64 as read-only own properties of `target`.
void InstallRegisterAccessors(Napi::Env env, Napi::Object target, const std::shared_ptr<RegionState>& state);

}  // namespace rxuio
