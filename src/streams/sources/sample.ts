import { Observable } from "rxjs";
import type { SnapshotRegister } from "../../devices/backend.js";
import { RxuioError } from "../../errors.js";
import { untilAborted } from "../until-aborted.js";
import type { SnapshotSource } from "./on-interrupt.js";

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

/**
 * What sample() needs: something that reads registers at a fixed rate off
 * the JS thread. The native implementation is `nativeSampling(device)` from
 * src/native/sampler.ts (a thread with absolute clock_nanosleep deadlines);
 * streams never import native code, so it is passed in.
 */
export interface RegisterSampling {
  start(
    registers: readonly SnapshotRegister[],
    hz: number,
    batch: number,
    listener: SampleListener,
  ): { stop(): void };
}

export interface SampleOptions {
  /** Samples per batch (default: 10 ms worth, at least 1). */
  readonly batch?: number;
  /** Completes the stream when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * Reads `registers` `hz` times a second on a native thread, emitting
 * batches of timestamped samples. Cold: each subscription starts its own
 * sampler, unsubscribing stops it. Errors with EINVAL for a rate that is not
 * a positive number or registers it cannot sample.
 *
 * ```
 * sampler thread:  |s s s s|s s s s|s s s s|     (batch = 4)
 * sample():        -------b-------b-------b-
 * ```
 *
 * ```ts
 * sample(nativeSampling(dev), [regs.temperature], 10_000).subscribe(({ values, overruns }) => plot(values));
 * ```
 *
 * @see onInterrupt
 * @see poll
 * @param sampling The sampler to use, e.g. `nativeSampling(dev)`.
 * @param registers Bound registers or their locations; up to 32 bits wide.
 * @param hz Samples per second.
 * @return Batches of samples.
 */
export function sample(
  sampling: RegisterSampling,
  registers: readonly SnapshotSource[],
  hz: number,
  options: SampleOptions = {},
): Observable<SampleBatch> {
  const snapshot = registers.map((r) => ("snapshot" in r ? r.snapshot : r));
  return new Observable<SampleBatch>((subscriber) => {
    if (!(Number.isFinite(hz) && hz > 0)) {
      throw new RxuioError("EINVAL", `sample rate ${String(hz)} Hz is not a positive number`, {
        value: hz,
        hint: "Pass samples per second, e.g. 1000",
      });
    }
    const batch = options.batch ?? Math.max(1, Math.round(hz / 100));
    if (!Number.isInteger(batch) || batch < 1) {
      throw new RxuioError("EINVAL", `batch ${String(batch)} is not a positive integer`, {
        value: batch,
        hint: "Pass how many samples each emission carries, e.g. 100",
      });
    }
    const run = sampling.start(snapshot, hz, batch, {
      next: (samples) => subscriber.next(samples),
      error: (err) => subscriber.error(err),
    });
    return () => run.stop();
  }).pipe(untilAborted(options.signal));
}
