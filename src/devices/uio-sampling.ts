import { RxuioError } from "../errors.js";
import type { SnapshotRegister } from "./backend.js";
import {
  checkSampling,
  noSuchSampledMap,
  type RegisterSampling,
  type SampleListener,
  type SamplerRun,
} from "./register-sampling.js";
import type { UioInfo } from "./sysfs/info.js";
import type { UioIo } from "./uio-io.js";

export interface UioSamplingOptions {
  readonly info: UioInfo;
  readonly io: Pick<UioIo, "pageSize" | "startSampler">;
  /** Throws ECLOSED when the device is closed; absent for a sampler not tied to a device. */
  readonly assertOpen?: (what: string) => void;
}

/**
 * A UIO device's register sampling: a native sampler thread per run,
 * reading map N of /dev/uioN (file offset N * page size, the sysfs offset
 * and size applied) through its own read-only mapping. The device stops
 * every run when it closes (stopAll), so no thread or fd outlives it.
 */
export class UioSampling implements RegisterSampling {
  readonly #runs = new Set<SamplerRun>();

  constructor(private readonly options: UioSamplingOptions) {}

  start(
    registers: readonly SnapshotRegister[],
    hz: number,
    batch: number,
    listener: SampleListener,
  ): SamplerRun {
    const { info, io, assertOpen } = this.options;
    assertOpen?.("its registers for sampling");
    const { map: mapIndex, registers: sampled } = checkSampling(
      registers,
      hz,
      batch,
      info.devicePath,
    );
    const map = info.maps.find((m) => m.index === mapIndex);
    if (!map) {
      throw noSuchSampledMap(
        info.devicePath,
        mapIndex,
        info.maps.map((m) => m.index),
      );
    }
    if (!io.startSampler) {
      throw new RxuioError("ENOSYS", `${info.devicePath} has no native sampler`, {
        path: info.devicePath,
        hint: "Build the native addon (npm rebuild rxuio), or poll() the registers instead",
      });
    }
    const thread = io.startSampler(
      {
        path: info.devicePath,
        fileOffset: mapIndex * io.pageSize(),
        inPageOffset: map.offset,
        length: map.size,
      },
      { registers: sampled, hz, batch },
      (samples) => listener.next(samples),
    );
    const run: SamplerRun = {
      stop: () => {
        this.#runs.delete(run);
        thread.stop();
      },
    };
    this.#runs.add(run);
    return run;
  }

  /** Stops and joins every running sampler (the device is closing). */
  stopAll(): void {
    for (const run of [...this.#runs]) run.stop();
  }
}
