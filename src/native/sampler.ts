import type { Backend } from "../devices/backend.js";
import type { RegisterSampling, SampleBatch, SampledRegister } from "../devices/register-sampling.js";
import { UioSampling } from "../devices/uio-sampling.js";
import { RxuioError } from "../errors.js";
import { addon, pageSize, type SamplerHandle } from "./binding.js";
import { fromNative } from "./errors.js";

/** Where the sampled region lies in its file: map N of /dev/uioN, or any file in tests. */
export interface SampledRegion {
  readonly path: string;
  /** Page-aligned; for map N of /dev/uioN, N * pageSize(). */
  readonly fileOffset: number;
  /** `maps/mapN/offset`. */
  readonly inPageOffset: number;
  /** `maps/mapN/size`. */
  readonly length: number;
}

export interface NativeSamplerOptions {
  readonly registers: readonly SampledRegister[];
  readonly hz: number;
  /** Samples per batch. */
  readonly batch: number;
}

/**
 * Fixed-rate register sampling on a native thread (native/sampler.h): sleeps
 * to absolute CLOCK_MONOTONIC deadlines with clock_nanosleep, reads the
 * registers from its own read-only mapping of the region, and hands full
 * batches to `onBatch` on the JS thread. Samples JS could not take in time
 * are counted in `overruns`. Keeps the process alive until stop().
 */
export class NativeSampler {
  readonly #handle: SamplerHandle;

  private constructor(handle: SamplerHandle) {
    this.#handle = handle;
  }

  static start(
    region: SampledRegion,
    options: NativeSamplerOptions,
    onBatch: (batch: SampleBatch) => void,
  ): NativeSampler {
    const { registers, hz, batch } = options;
    if (!(Number.isFinite(hz) && hz > 0 && hz <= 1_000_000)) {
      throw new RxuioError("EINVAL", `sample rate ${String(hz)} Hz is outside 0 < hz <= 1000000`, {
        value: hz,
        path: region.path,
        hint: "A sleeping thread cannot keep deadlines faster than 1 MHz; poll in a loop instead",
      });
    }
    const count = registers.length;
    try {
      const { Sampler } = addon();
      const handle = new Sampler(
        region.path,
        region.fileOffset,
        region.inPageOffset,
        region.length,
        registers,
        Math.round(1e9 / hz),
        batch,
        (times, deadlines, values, overruns) => onBatch({ times, deadlines, values, registers: count, overruns }),
      );
      return new NativeSampler(handle);
    } catch (err) {
      throw fromNative(err, {
        path: region.path,
        hints: { EINVAL: "Sampled registers are { offset, width: 8 | 16 | 32 }; batch is a positive integer" },
      });
    }
  }

  get running(): boolean {
    return this.#handle.running;
  }

  /** Samples not taken so far (late wake-ups, or JS not keeping up). */
  get overruns(): number {
    return this.#handle.overruns;
  }

  /** Stops and joins the thread; batches still queued are dropped. Idempotent. */
  stop(): void {
    this.#handle.stop();
  }
}

/**
 * sample()'s sampler for a UIO device, kept for code written before devices
 * carried their own: `sample(dev, ...)` is the same sampler. Given a device
 * with its own sampling (a UioDevice), this is that sampling, so close()
 * stops its threads; given only a device's `info`, it maps /dev/uioN itself
 * and nothing stops it but unsubscribing. All registers of one sampler must
 * be in one map.
 */
export function nativeSampling(device: Pick<Backend, "info" | "sampling">): RegisterSampling {
  if (device.sampling) return device.sampling;
  return new UioSampling({
    info: device.info,
    io: { pageSize, startSampler: (region, options, onBatch) => NativeSampler.start(region, options, onBatch) },
  });
}
