import { firstValueFrom, take, toArray } from "rxjs";
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import type { Backend } from "../../src/devices/backend.js";
import type { RegisterSampling, SampleBatch } from "../../src/devices/register-sampling.js";
import { registerFile } from "../../src/devices/sim/register-file.js";
import { simulate } from "../../src/devices/sim/simulate.js";
import { listDevices } from "../../src/devices/sysfs/discovery.js";
import { UioDevice } from "../../src/devices/uio-device.js";
import { nativeUioIo } from "../../src/devices/native-uio-io.js";
import type { UioIo } from "../../src/devices/uio-io.js";
import type { RxuioError } from "../../src/errors.js";
import { pageSize } from "../../src/native/binding.js";
import { NativeSampler, nativeSampling } from "../../src/native/sampler.js";
import { sample } from "../../src/streams/sources/sample.js";
import { makeDevRoot, scratchDir, sysfsFixture } from "../fixtures/sysfs-roots.js";

/**
 * sample() through a UioDevice: the native sampler thread over a regular
 * file laid out as /dev/uioN (fixture "lab", uio1 "fpga-dma": map 1 is the
 * 0x200-byte "mailbox" at in-page offset 0x100, byte i = 0x40 + i).
 */
const sysfsRoot = sysfsFixture("lab");
const WORD = { region: 1, offset: 0, width: 32 } as const;
const HALF = { region: 1, offset: 8, width: 16 } as const;

describe("sample() on a UioDevice", () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let devRoot: string;
  /** Every native sampler the devices started, to check none outlives them. */
  let started: NativeSampler[];
  let io: UioIo;
  beforeEach(async () => {
    scratch = await scratchDir();
    devRoot = await makeDevRoot(scratch.dir, await listDevices({ sysfsRoot }), pageSize());
    started = [];
    io = {
      ...nativeUioIo,
      startSampler: (region, options, onBatch) => {
        const sampler = NativeSampler.start(region, options, onBatch);
        started.push(sampler);
        return sampler;
      },
    };
  });
  afterEach(async () => {
    for (const sampler of started) sampler.stop();
    await scratch.cleanup();
  });

  it("samples the device's map on a native thread, following register writes", async () => {
    await using dev = await UioDevice.open("fpga-dma", { sysfsRoot, devRoot, io });
    const first = await firstValueFrom(sample(dev, [WORD, HALF], 2_000, { batch: 4 }));
    expect(first.registers).toBe(2);
    expect(Array.from(first.values)).toEqual([
      0x43424140, 0x4948, 0x43424140, 0x4948, 0x43424140, 0x4948, 0x43424140, 0x4948,
    ]);
    for (let i = 0; i < 4; i++) expect(first.times[i]! >= first.deadlines[i]!).toBe(true);
    expect(started[0]?.running).toBe(false); // firstValueFrom unsubscribed: thread joined
    // The sampler's own mapping sees writes through the device's region.
    dev.region(1).write32(0, 0xcafef00d);
    const next = await firstValueFrom(sample(dev, [WORD], 2_000, { batch: 2 }));
    expect(Array.from(next.values)).toEqual([0xcafef00d, 0xcafef00d]);
  });

  it("completes its streams and stops their threads when the device closes", async () => {
    const dev = await UioDevice.open("fpga-dma", { sysfsRoot, devRoot, io });
    const batches: SampleBatch[] = [];
    let completed = false;
    await new Promise<void>((resolve) => {
      sample(dev, [WORD], 1_000, { batch: 1 }).subscribe({
        next: (b) => {
          batches.push(b);
          if (batches.length === 2) resolve();
        },
        complete: () => (completed = true),
      });
    });
    expect(started[0]?.running).toBe(true);
    dev.close();
    expect(completed).toBe(true);
    expect(started[0]?.running).toBe(false);
    // Nothing arrives after close, not even a batch already queued.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(batches).toHaveLength(2);
    let error: RxuioError | undefined;
    sample(dev, [WORD], 1_000).subscribe({ error: (e: RxuioError) => (error = e) });
    expect(error?.code).toBe("ECLOSED");
  });

  it("fails with ENOSYS when the device's mechanisms have no sampler", async () => {
    const { startSampler: _, ...withoutSampler } = io;
    await using dev = await UioDevice.open("fpga-dma", { sysfsRoot, devRoot, io: withoutSampler });
    let error: RxuioError | undefined;
    sample(dev, [WORD], 1_000).subscribe({ error: (e: RxuioError) => (error = e) });
    expect(error?.code).toBe("ENOSYS");
  });

  it("refuses the same bad arguments with the same errors as the simulator", async () => {
    await using dev = await UioDevice.open("fpga-dma", { sysfsRoot, devRoot, io });
    const sim = simulate({ behaviour: registerFile() });
    const cases: [
      readonly (typeof WORD | { region: number; offset: number; width: 8 | 16 | 32 | 64 })[],
      number,
      number?,
    ][] = [
      [[WORD], 0],
      [[WORD], -1],
      [[WORD], Number.NaN],
      [[WORD], 2_000_000],
      [[WORD], 100, 0],
      [[WORD], 100, 2.5],
      [[], 100],
      [[WORD, { region: 0, offset: 0, width: 32 }], 100],
      [[{ region: 1, offset: 0, width: 64 }], 100],
    ];
    const failure = (device: Backend, [registers, hz, batch]: (typeof cases)[number]) => {
      let error: RxuioError | undefined;
      sample(device, registers, hz, batch === undefined ? {} : { batch }).subscribe({
        error: (e: RxuioError) => (error = e),
      });
      return { code: error?.code, message: error?.message };
    };
    for (const c of cases) {
      const onDevice = failure(dev, c);
      expect(onDevice.code, JSON.stringify(c)).toBe("EINVAL");
      // The simulator's register file has one map: move the one-map cases onto it.
      const onSim = failure(sim, [c[0].map((r) => ({ ...r, region: r.region - 1 })), c[1], c[2]]);
      expect(onSim, JSON.stringify(c)).toEqual(onDevice);
    }
    expect(started).toHaveLength(0);
    sim.close();
  });

  it("still accepts a RegisterSampling, as code written for nativeSampling(dev) passes", async () => {
    await using dev = await UioDevice.open("fpga-dma", { sysfsRoot, devRoot });
    expectTypeOf(sample).parameter(0).toEqualTypeOf<Backend | RegisterSampling>();
    const batches = await firstValueFrom(
      sample(nativeSampling(dev), [WORD], 2_000, { batch: 2 }).pipe(take(2), toArray()),
    );
    expect(batches.flatMap((b) => Array.from(b.values))).toEqual([
      0x43424140, 0x43424140, 0x43424140, 0x43424140,
    ]);
  });

  it("stops a nativeSampling(dev) sampler when the device closes", async () => {
    const dev = await UioDevice.open("fpga-dma", { sysfsRoot, devRoot, io });
    const seen: SampleBatch[] = [];
    let failure: RxuioError | undefined;
    const subscription = sample(nativeSampling(dev), [WORD], 2_000, { batch: 1 }).subscribe({
      next: (batch) => seen.push(batch),
      error: (err: RxuioError) => (failure = err),
    });
    expect(started).toHaveLength(1);
    expect(started[0]?.running).toBe(true);
    dev.close();
    expect(started[0]?.running).toBe(false); // joined by close(), not by unsubscribe
    subscription.unsubscribe();
    expect(failure).toBeUndefined();
  });
});
