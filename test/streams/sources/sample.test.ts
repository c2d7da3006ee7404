import { take } from "rxjs";
import { describe, expect, it } from "vitest";
import type { SnapshotRegister } from "../../../src/devices/backend.js";
import { RxuioError } from "../../../src/errors.js";
import {
  sample,
  type RegisterSampling,
  type SampleBatch,
  type SampleListener,
} from "../../../src/streams/sources/sample.js";

/** A sampler the test drives by hand: records starts and stops, emits on demand. */
function fakeSampling() {
  const starts: { registers: readonly SnapshotRegister[]; hz: number; batch: number }[] = [];
  let listener: SampleListener | undefined;
  let stops = 0;
  const sampling: RegisterSampling = {
    start(registers, hz, batch, l) {
      starts.push({ registers, hz, batch });
      listener = l;
      return { stop: () => void stops++ };
    },
  };
  const batch = (value: number, overruns = 0): SampleBatch => ({
    times: BigUint64Array.of(2n),
    deadlines: BigUint64Array.of(1n),
    values: Float64Array.of(value),
    registers: 1,
    overruns,
  });
  return {
    sampling,
    starts,
    emit: (value: number, overruns = 0) => listener?.next(batch(value, overruns)),
    fail: (err: RxuioError) => listener?.error(err),
    get stops() {
      return stops;
    },
  };
}

const STATUS = { region: 0, offset: 0x24, width: 32 } as const;

describe("sample", () => {
  it("is cold: each subscription starts a sampler with the register locations, rate and batch", () => {
    const fake = fakeSampling();
    const source = sample(
      fake.sampling,
      [STATUS, { snapshot: { region: 0, offset: 8, width: 16 } }],
      1_000,
      {
        batch: 50,
      },
    );
    expect(fake.starts).toHaveLength(0);
    const seen: number[] = [];
    const sub = source.subscribe((b) => seen.push(b.values[0] ?? NaN));
    expect(fake.starts).toEqual([
      {
        registers: [STATUS, { region: 0, offset: 8, width: 16 }],
        hz: 1_000,
        batch: 50,
      },
    ]);
    fake.emit(1);
    fake.emit(2, 3);
    expect(seen).toEqual([1, 2]);
    sub.unsubscribe();
    expect(fake.stops).toBe(1);
  });

  it("batches 10 ms worth by default, at least one sample", () => {
    const fake = fakeSampling();
    sample(fake.sampling, [STATUS], 10_000).subscribe().unsubscribe();
    sample(fake.sampling, [STATUS], 10).subscribe().unsubscribe();
    expect(fake.starts.map((s) => s.batch)).toEqual([100, 1]);
  });

  it("stops the sampler when a downstream take() completes", () => {
    const fake = fakeSampling();
    let completed = false;
    sample(fake.sampling, [STATUS], 100)
      .pipe(take(1))
      .subscribe({ complete: () => (completed = true) });
    fake.emit(7);
    expect(completed).toBe(true);
    expect(fake.stops).toBe(1);
  });

  it("errors the stream with the sampler's error and stops it", () => {
    const fake = fakeSampling();
    let error: unknown;
    sample(fake.sampling, [STATUS], 100).subscribe({ error: (e: unknown) => (error = e) });
    fake.fail(new RxuioError("ENODEV", "gone"));
    expect(error).toMatchObject({ code: "ENODEV" });
    expect(fake.stops).toBe(1);
  });

  it("errors with EINVAL for a rate or batch that is not positive, before starting anything", () => {
    const fake = fakeSampling();
    for (const [hz, batch] of [
      [0, undefined],
      [-5, undefined],
      [Number.NaN, undefined],
      [100, 0],
      [100, 1.5],
    ] as const) {
      let error: unknown;
      sample(fake.sampling, [STATUS], hz, batch === undefined ? {} : { batch }).subscribe({
        error: (e: unknown) => (error = e),
      });
      expect(error, `hz ${hz} batch ${batch}`).toMatchObject({ code: "EINVAL" });
    }
    expect(fake.starts).toHaveLength(0);
  });

  it("completes and stops when the abort signal fires", () => {
    const fake = fakeSampling();
    const abort = new AbortController();
    let completed = false;
    sample(fake.sampling, [STATUS], 100, { signal: abort.signal }).subscribe({
      complete: () => (completed = true),
    });
    abort.abort();
    expect(completed).toBe(true);
    expect(fake.stops).toBe(1);
  });
});
