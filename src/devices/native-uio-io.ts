import { RxuioError } from "../errors.js";
import { pageSize } from "../native/binding.js";
import { NativeEventFd } from "../native/event-fd.js";
import { NativeIrqService } from "../native/irq-service.js";
import { NativePorts } from "../native/ports.js";
import { NativeRegion } from "../native/region.js";
import { NativeSampler } from "../native/sampler.js";
import type { MappedRegion, MappedSnapshotRegister, UioIo } from "./uio-io.js";

/**
 * The real mechanisms: the native addon's regions, event fds and port
 * ranges. Loaded by UioDevice.open on demand, so discovery works on
 * machines where the addon is not built.
 */
export const nativeUioIo: UioIo = {
  pageSize,
  eventModes: ["epoll", "sigio"],
  openRegion: (path, mapping) => NativeRegion.open(path, mapping),
  openPorts: (start, size) => NativePorts.open(start, size),
  startService: (plan, onEvents, onError) => NativeIrqService.start(plan, onEvents, onError),
  startSampler: (region, options, onBatch) => NativeSampler.start(region, options, onBatch),
  openEventFd(path, options) {
    const fd = NativeEventFd.open(path, options);
    return {
      read: () => fd.read(),
      write: (value) => fd.write(value),
      watch: (onWake, onError, { snapshot, mode }) =>
        void fd.watch(onWake, onError, { snapshot: snapshot?.map(nativeSnapshot), mode }),
      unwatch: () => fd.unwatch(),
      close: () => fd.close(),
    };
  },
};

function nativeSnapshot(register: MappedSnapshotRegister) {
  return { ...register, region: nativeRegion(register.region) };
}

/** Snapshots are read in native code, so they need regions the addon mapped. */
function nativeRegion(region: MappedRegion): NativeRegion {
  if (region instanceof NativeRegion) return region;
  throw new RxuioError(
    "EINVAL",
    `Map ${region.index} is not a native mapping; it cannot be snapshot natively`,
    {
      value: region.index,
    },
  );
}
