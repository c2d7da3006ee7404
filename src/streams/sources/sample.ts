import { Observable } from "rxjs";
import type { Backend } from "../../devices/backend.js";
import type { RegisterSampling, SampleBatch } from "../../devices/register-sampling.js";
import { RxuioError } from "../../errors.js";
import { untilAborted } from "../until-aborted.js";
import { untilClosed } from "../until-closed.js";
import type { SnapshotSource } from "./on-interrupt.js";

// Defined with the device seam (a Backend carries its sampling); exported
// here too, where sample() users have always imported them from.
export type {
  RegisterSampling,
  SampleBatch,
  SampleListener,
  SamplerRun,
} from "../../devices/register-sampling.js";

export interface SampleOptions {
  /** Samples per batch (default: 10 ms worth, at least 1). */
  readonly batch?: number;
  /** Completes the stream when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * Reads `registers` `hz` times a second off the JS thread, emitting batches
 * of timestamped samples: on a UioDevice a native thread sleeping to
 * absolute deadlines, on the simulator its clock's scheduler (exact under
 * virtual time). Cold: each subscription starts its own sampler,
 * unsubscribing stops it. Given a device, the stream completes when the
 * device closes (which stops the sampler) and errors with the reason when
 * it failed (e.g. ENODEV on unplug).
 *
 * Errors with EINVAL for a rate outside 0 < hz <= 1 MHz, a batch that is
 * not a positive integer, no registers, registers in different maps or
 * wider than 32 bits (the same checks on every backend); ENOSYS for a
 * device that cannot sample; ECLOSED for a closed one.
 *
 * ```
 * sampler thread:  |s s s s|s s s s|s s s s|     (batch = 4)
 * sample():        -------b-------b-------b-
 * ```
 *
 * ```ts
 * sample(dev, [regs.temperature], 10_000).subscribe(({ values, overruns }) => plot(values));
 * ```
 *
 * @see onInterrupt
 * @see poll
 * @param source The device (preferred), or a RegisterSampling such as
 *   `nativeSampling(dev)` (kept for older code; the device's own sampling, so close() stops it).
 * @param registers Bound registers or their locations; up to 32 bits wide, all in one map.
 * @param hz Samples per second.
 * @return Batches of samples.
 */
export function sample(
  source: Backend | RegisterSampling,
  registers: readonly SnapshotSource[],
  hz: number,
  options: SampleOptions = {},
): Observable<SampleBatch> {
  const snapshot = registers.map((r) => ("snapshot" in r ? r.snapshot : r));
  const device = "start" in source ? undefined : source;
  const samples = new Observable<SampleBatch>((subscriber) => {
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
    const sampling = "start" in source ? source : samplingOf(source);
    const run = sampling.start(snapshot, hz, batch, {
      next: (samples) => subscriber.next(samples),
      error: (err) => subscriber.error(err),
    });
    return () => run.stop();
  });
  return (device ? samples.pipe(untilClosed(device)) : samples).pipe(untilAborted(options.signal));
}

function samplingOf(device: Backend): RegisterSampling {
  if (device.sampling) return device.sampling;
  throw new RxuioError(
    "ENOSYS",
    `${device.info.devicePath} (${device.info.name}) has no fixed-rate sampler`,
    {
      path: device.info.devicePath,
      hint: "Use a UioDevice or a simulate() device, pass a RegisterSampling, or poll() the registers instead",
    },
  );
}
