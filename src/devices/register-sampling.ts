import { RxuioError } from "../errors.js";
import type { SnapshotRegister } from "./backend.js";

/**
 * Samples taken at a fixed rate, delivered together. Sample i was read at
 * `times[i]` for the deadline `deadlines[i]` (CLOCK_MONOTONIC ns; the
 * difference is the sampler's jitter), and its register values are
 * `values[i * registers + r]`, in the order the registers were given.
 */
export interface SampleBatch {
  readonly times: BigUint64Array;
  readonly deadlines: BigUint64Array;
  readonly values: Float64Array;
  /** Registers per sample. */
  readonly registers: number;
  /**
   * Samples not taken since sampling started: the thread woke a whole period
   * late, or JS had not consumed the earlier batches. Never hidden.
   */
  readonly overruns: number;
}

export interface SampleListener {
  next(batch: SampleBatch): void;
  error(err: RxuioError): void;
}

/** A running sampler; stop() is idempotent and delivers nothing afterwards. */
export interface SamplerRun {
  stop(): void;
}

/**
 * What sample() needs: something that reads registers at a fixed rate off
 * the JS thread. A device provides one as `Backend.sampling` (a UioDevice:
 * a native thread with absolute clock_nanosleep deadlines; the simulator:
 * its clock's scheduler). Streams never import native code, so it is passed in.
 *
 * Every implementation follows the same rules: deadline k is start + k
 * periods (period = round(1e9 / hz) ns); a wake-up a whole period or more
 * late skips the deadlines it missed; a sample whose batch slot JS still
 * holds (four slots) is not taken; both are counted in `overruns`.
 */
export interface RegisterSampling {
  start(
    registers: readonly SnapshotRegister[],
    hz: number,
    batch: number,
    listener: SampleListener,
  ): SamplerRun;
}

/** A register a sampler reads, within its map. */
export interface SampledRegister {
  readonly offset: number;
  readonly width: 8 | 16 | 32;
}

/** What checkSampling() found valid: the one map sampled and the registers in it, in order. */
export interface CheckedSampling {
  readonly map: number;
  readonly registers: readonly SampledRegister[];
}

/** Batch slots a sampler fills and JS drains: the native sampler's kSlots. */
export const SAMPLER_SLOTS = 4;

/** The fastest rate a sleeping thread can keep deadlines for. */
export const MAX_SAMPLE_HZ = 1_000_000;

/** A sampler's period in ns, as the native sampler rounds it. */
export function samplePeriodNs(hz: number): number {
  return Math.round(1e9 / hz);
}

/** The ERANGE both samplers give for registers in a map the device lacks. */
export function noSuchSampledMap(
  devicePath: string,
  map: number,
  maps: readonly number[],
): RxuioError {
  return new RxuioError("ERANGE", `${devicePath} has no map ${map}`, {
    value: map,
    path: devicePath,
    hint: `Use one of maps ${maps.join(", ")}`,
  });
}

/**
 * The checks every backend's sampler makes before starting, so a call that
 * fails on a real device fails the same way on the simulator: a rate in
 * 0 < hz <= 1 MHz, a whole number of samples per batch, at least one
 * register, all in one map, none wider than 32 bits (EINVAL). Returns the
 * map they are in and their places in it.
 */
export function checkSampling(
  registers: readonly SnapshotRegister[],
  hz: number,
  batch: number,
  devicePath: string,
): CheckedSampling {
  if (!(Number.isFinite(hz) && hz > 0 && hz <= MAX_SAMPLE_HZ)) {
    throw new RxuioError("EINVAL", `sample rate ${String(hz)} Hz is outside 0 < hz <= 1000000`, {
      value: hz,
      path: devicePath,
      hint: "A sleeping thread cannot keep deadlines faster than 1 MHz; poll in a loop instead",
    });
  }
  if (!(Number.isInteger(batch) && batch >= 1)) {
    throw new RxuioError("EINVAL", `batch ${String(batch)} is not a positive integer`, {
      value: batch,
      path: devicePath,
      hint: "Pass how many samples each emission carries, e.g. 100",
    });
  }
  const map = registers[0]?.region;
  if (map === undefined || registers.some((r) => r.region !== map)) {
    throw new RxuioError("EINVAL", "sample() needs at least one register, all in the same map", {
      value: registers,
      path: devicePath,
      hint: "Start one sample() per map",
    });
  }
  const sampled = registers.map((register): SampledRegister => {
    const { offset, width } = register;
    if (width === 64) {
      throw new RxuioError("EINVAL", "sample() reads registers up to 32 bits wide", {
        value: register,
        path: devicePath,
        hint: "Sample the two 32-bit halves instead",
      });
    }
    return { offset, width };
  });
  return { map, registers: sampled };
}
