import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NativeSampler, nativeSampling, type SampledRegion } from "../../src/native/sampler.js";
import type { SampleBatch } from "../../src/streams/sources/sample.js";
import { expectCode, scratchDir } from "./scratch.js";
import { threadNames } from "./thread-names.js";

const PAGE = 4096;

describe("NativeSampler", () => {
  let scratch: ReturnType<typeof scratchDir>;
  let region: SampledRegion;
  const running: NativeSampler[] = [];

  beforeEach(() => {
    scratch = scratchDir();
    const path = join(scratch.dir, "regs.bin");
    const bytes = Buffer.alloc(PAGE);
    bytes.writeUInt32LE(0xdeadbeef, 0x10);
    bytes.writeUInt16LE(0x1234, 0x20);
    bytes.writeUInt8(0x7f, 0x23);
    writeFileSync(path, bytes);
    region = { path, fileOffset: 0, inPageOffset: 0, length: PAGE };
  });

  afterEach(() => {
    for (const sampler of running.splice(0)) sampler.stop();
    scratch.remove();
  });

  function collect(hz: number, batch: number, count: number, onBatch?: () => void): Promise<SampleBatch[]> {
    return new Promise((resolve) => {
      const batches: SampleBatch[] = [];
      const sampler = NativeSampler.start(
        region,
        {
          registers: [
            { offset: 0x10, width: 32 },
            { offset: 0x20, width: 16 },
            { offset: 0x23, width: 8 },
          ],
          hz,
          batch,
        },
        (b) => {
          onBatch?.();
          batches.push(b);
          if (batches.length === count) {
            sampler.stop();
            resolve(batches);
          }
        },
      );
      running.push(sampler);
    });
  }

  it("delivers full batches of timestamped samples with every register, in order", async () => {
    const batches = await collect(2_000, 10, 3);
    for (const batch of batches) {
      expect(batch.registers).toBe(3);
      expect(batch.times).toHaveLength(10);
      expect(batch.deadlines).toHaveLength(10);
      expect(Array.from(batch.values)).toEqual(Array.from({ length: 10 }, () => [0xdeadbeef, 0x1234, 0x7f]).flat());
      for (let i = 0; i < 10; i++) {
        // Read at or after its deadline, never before.
        expect((batch.times[i] ?? 0n) >= (batch.deadlines[i] ?? 0n)).toBe(true);
      }
    }
    // Deadlines are absolute: start + k * period, 500 µs apart at 2 kHz, even across batches.
    const deadlines = batches.flatMap((b) => Array.from(b.deadlines));
    const overruns = batches[batches.length - 1]?.overruns ?? 0;
    const steps = deadlines.slice(1).map((d, i) => d - (deadlines[i] ?? 0n));
    for (const step of steps) expect(step % 500_000n).toBe(0n);
    // Each skipped deadline is an overrun, so the gaps add up to what was counted.
    const skipped = steps.reduce((sum, step) => sum + Number(step / 500_000n) - 1, 0);
    expect(skipped).toBeLessThanOrEqual(overruns);
  });

  it("counts overruns when JS holds on to the thread longer than the slots last", async () => {
    // 1 sample per batch at 10 kHz, and each batch blocks JS for 5 ms: the four
    // slots fill within a millisecond, so samples must be dropped, and counted.
    const batches = await collect(10_000, 1, 4, () => {
      const until = Date.now() + 5;
      while (Date.now() < until);
    });
    expect(batches[batches.length - 1]?.overruns).toBeGreaterThan(0);
  });

  it("names its thread rxuio-sampler, and it is gone after stop()", async () => {
    // collect() stops the sampler once its batch has arrived.
    await collect(2_000, 2, 1, () => {
      expect(threadNames().filter((name) => name === "rxuio-sampler")).toHaveLength(1);
    });
    expect(threadNames()).not.toContain("rxuio-sampler");
  });

  it("stops at once and says so; stop() is idempotent", () => {
    const sampler = NativeSampler.start(region, { registers: [{ offset: 0, width: 32 }], hz: 10, batch: 1 }, () => {});
    expect(sampler.running).toBe(true);
    sampler.stop();
    sampler.stop();
    expect(sampler.running).toBe(false);
  });

  it("refuses bad rates, registers and files with typed errors", () => {
    const start = (over: Partial<Parameters<typeof NativeSampler.start>[1]>, at: SampledRegion = region) =>
      NativeSampler.start(at, { registers: [{ offset: 0, width: 32 }], hz: 100, batch: 1, ...over }, () => {});
    expectCode(() => start({ hz: 0 }), "EINVAL");
    expectCode(() => start({ hz: 2_000_000 }), "EINVAL");
    expectCode(() => start({ batch: 0 }), "ERANGE");
    expectCode(() => start({ registers: [] }), "ERANGE");
    expectCode(() => start({ registers: [{ offset: PAGE, width: 32 }] }), "ERANGE");
    expectCode(() => start({ registers: [{ offset: 2, width: 32 }] }), "EALIGN");
    // Alignment is of the real address: the in-page offset counts.
    const shifted = { ...region, inPageOffset: 2, length: 64 };
    expectCode(() => start({ registers: [{ offset: 0, width: 32 }] }, shifted), "EALIGN");
    running.push(start({ registers: [{ offset: 2, width: 32 }] }, shifted));
    expectCode(() => start({ registers: [{ offset: 0, width: 24 as 32 }] }), "EINVAL");
    expectCode(() => start({}, { ...region, path: join(scratch.dir, "missing") }), "ENODEV");
    expectCode(() => start({}, { ...region, length: PAGE * 2 }), "ERANGE");
  });
});

describe("nativeSampling", () => {
  const info = {
    index: 0,
    devicePath: "/nonexistent/uio0",
    sysfsPath: "/nonexistent/sys/uio0",
    name: "x",
    version: "1",
    event: 0,
    maps: [{ index: 0, name: "regs", addr: 0n, size: PAGE, offset: 0 }],
    ports: [],
    driver: undefined,
  };
  const listener = { next: () => {}, error: () => {} };

  it("refuses registers in different maps, a missing map and 64-bit registers", () => {
    const sampling = nativeSampling({ info });
    expectCode(() => sampling.start([], 100, 1, listener), "EINVAL");
    expectCode(
      () =>
        sampling.start(
          [
            { region: 0, offset: 0, width: 32 },
            { region: 1, offset: 0, width: 32 },
          ],
          100,
          1,
          listener,
        ),
      "EINVAL",
    );
    expectCode(() => sampling.start([{ region: 3, offset: 0, width: 32 }], 100, 1, listener), "ERANGE");
    expectCode(() => sampling.start([{ region: 0, offset: 0, width: 64 }], 100, 1, listener), "EINVAL");
    // A device file that is not there: ENODEV from the open, not a crash.
    expectCode(() => sampling.start([{ region: 0, offset: 0, width: 32 }], 100, 1, listener), "ENODEV");
  });
});
