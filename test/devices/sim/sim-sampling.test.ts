import { VirtualTimeScheduler, VirtualAction, type Subscription } from "rxjs";
import { describe, expect, it } from "vitest";
import type { Backend } from "../../../src/devices/backend.js";
import type { SampleBatch } from "../../../src/devices/register-sampling.js";
import { registerFile } from "../../../src/devices/sim/register-file.js";
import { simulate, type SimDevice } from "../../../src/devices/sim/simulate.js";
import type { RxuioError } from "../../../src/errors.js";
import { sample } from "../../../src/streams/sources/sample.js";

/** Plain memory in the register file (past its special registers). */
const A = { region: 0, offset: 0x10, width: 32 } as const;
const B = { region: 0, offset: 0x14, width: 16 } as const;
/** 10 kHz: one sample every 100 µs. */
const PERIOD_NS = 100_000n;

/** A device on virtual time that flushes only up to `ms` each call (a sampler never ends). */
function virtualDevice(wakeLatency = 0) {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 0);
  const dev = simulate({ behaviour: registerFile(), scheduler, wakeLatency });
  const runTo = (ms: number) => {
    scheduler.maxFrames = ms;
    scheduler.flush();
  };
  return { scheduler, dev, runTo };
}

/** Subscribes and records every batch, the error and completion. */
function record(dev: SimDevice | Backend, hz: number, batch: number) {
  const batches: SampleBatch[] = [];
  const seen: { error?: RxuioError; completed: boolean } = { completed: false };
  const subscription: Subscription = sample(dev, [A, B], hz, { batch }).subscribe({
    next: (b) => batches.push(b),
    error: (e: RxuioError) => (seen.error = e),
    complete: () => (seen.completed = true),
  });
  const deadlines = () => batches.flatMap((b) => Array.from(b.deadlines));
  const column = (r: number) =>
    batches.flatMap((b) => Array.from(b.values).filter((_, i) => i % b.registers === r));
  return { batches, seen, subscription, deadlines, column };
}

describe("sample() on the simulator", () => {
  it("samples on exact absolute deadlines in virtual time, batch by batch", () => {
    const { dev, runTo } = virtualDevice();
    const run = record(dev, 10_000, 5);
    runTo(2.05);
    expect(run.batches).toHaveLength(4);
    expect(run.deadlines()).toEqual(
      Array.from({ length: 20 }, (_, k) => BigInt(k + 1) * PERIOD_NS),
    );
    for (const batch of run.batches) {
      expect(batch.registers).toBe(2);
      expect(batch.times).toEqual(batch.deadlines); // no jitter in virtual time
      expect(batch.overruns).toBe(0);
    }
  });

  it("reads the registers' values at each deadline, in the order given", () => {
    const { scheduler, dev, runTo } = virtualDevice();
    const regs = dev.region(0);
    regs.write32(A.offset, 7);
    regs.write16(B.offset, 0xbeef);
    scheduler.schedule(() => regs.write32(A.offset, 8), 0.25);
    scheduler.schedule(() => regs.write16(B.offset, 0x1234), 0.55);
    const run = record(dev, 10_000, 2);
    runTo(0.85);
    expect(run.column(0)).toEqual([7, 7, 8, 8, 8, 8, 8, 8]);
    expect(run.column(1)).toEqual([0xbeef, 0xbeef, 0xbeef, 0xbeef, 0xbeef, 0x1234, 0x1234, 0x1234]);
  });

  it("counts samples as overruns while a stalled consumer holds all four slots", () => {
    // Each batch reaches JS 450 µs after it filled: 4.5 periods, so the four
    // slots are all held at every fifth deadline, and that sample is not taken.
    const { dev, runTo } = virtualDevice(0.45);
    const run = record(dev, 10_000, 1);
    runTo(2.1);
    const ks = run.deadlines().map((d) => Number(d / PERIOD_NS));
    expect(ks).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14, 16]);
    // Reported with the batches delivered after each loss; never hidden.
    expect(run.batches.map((b) => b.overruns)).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4]);
    // Exact accounting: deadlines 1..15 are 12 samples delivered and 3 overruns.
    expect(ks.filter((k) => k <= 15).length + 3).toBe(15);
  });

  it("stops sampling when unsubscribed: nothing stays scheduled", () => {
    const { scheduler, dev, runTo } = virtualDevice();
    const run = record(dev, 10_000, 3);
    runTo(0.65);
    expect(run.batches).toHaveLength(2);
    run.subscription.unsubscribe();
    runTo(5);
    expect(run.batches).toHaveLength(2);
    expect(scheduler.actions).toHaveLength(0);
  });

  it("completes when the device closes, drops the batch being filled, and refuses new samplers with ECLOSED", () => {
    const { scheduler, dev, runTo } = virtualDevice();
    const run = record(dev, 10_000, 4);
    runTo(0.65); // six samples: one batch delivered, two in the next
    dev.close();
    expect(run.seen).toEqual({ completed: true });
    expect(run.batches).toHaveLength(1);
    runTo(5);
    expect(scheduler.actions).toHaveLength(0);
    const after = record(dev, 10_000, 4);
    expect(after.seen.error?.code).toBe("ECLOSED");
    let direct: unknown;
    try {
      dev.sampling.start([A], 100, 1, { next: () => {}, error: () => {} });
    } catch (err) {
      direct = err;
    }
    expect(direct).toMatchObject({ code: "ECLOSED" });
  });

  it("errors with ENODEV when the device is unplugged", () => {
    const { dev, runTo } = virtualDevice();
    const run = record(dev, 1_000, 1);
    runTo(1.5);
    dev.unplug();
    expect(run.seen.error?.code).toBe("ENODEV");
    expect(run.batches).toHaveLength(1);
  });

  it("refuses registers outside the map or misaligned before sampling anything", () => {
    const { dev } = virtualDevice();
    const codes = [
      { region: 0, offset: 0x100, width: 32 },
      { region: 0, offset: 0x12, width: 32 },
      { region: 1, offset: 0, width: 32 },
    ].map((reg) => {
      let code: string | undefined;
      sample(dev, [reg as typeof A], 1_000).subscribe({
        error: (e: RxuioError) => (code = e.code),
      });
      return code;
    });
    expect(codes).toEqual(["ERANGE", "EALIGN", "ERANGE"]);
  });

  it("samples in real time on the default scheduler", async () => {
    const dev = simulate({ behaviour: registerFile() });
    dev.region(0).write32(A.offset, 42);
    const batch = await new Promise<SampleBatch>((resolve) => {
      const sub = sample(dev, [A], 200, { batch: 2 }).subscribe((b) => {
        sub.unsubscribe();
        resolve(b);
      });
    });
    expect(Array.from(batch.values)).toEqual([42, 42]);
    // Read at or after its deadline, 5 ms apart.
    expect(batch.times[0]! >= batch.deadlines[0]!).toBe(true);
    expect(batch.deadlines[1]! - batch.deadlines[0]!).toBe(5_000_000n);
    dev.close();
  });

  it("skips and counts the deadlines a blocked JS thread slept through, in real time", async () => {
    const dev = simulate({ behaviour: registerFile() });
    const batches: SampleBatch[] = [];
    const sub = sample(dev, [A], 1_000, { batch: 1 }).subscribe((b) => {
      batches.push(b);
      if (batches.length === 1) {
        const until = Date.now() + 30;
        while (Date.now() < until); // JS (the simulator's thread) blocked for 30 periods
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 60));
    sub.unsubscribe();
    dev.close();
    const ks = batches.flatMap((b) => Array.from(b.deadlines));
    const first = ks[0] ?? 0n;
    const period = 1_000_000n;
    const taken = ks.map((d) => Number((d - first) / period));
    const last = taken[taken.length - 1] ?? 0;
    const overruns = batches[batches.length - 1]?.overruns ?? 0;
    // Every deadline up to the last sample was either sampled or counted.
    expect(last + 1 - taken.length).toBeLessThanOrEqual(overruns);
    expect(overruns).toBeGreaterThanOrEqual(20);
    for (const b of batches) expect(b.times[0]! >= b.deadlines[0]!).toBe(true);
    // Deadlines stay on the absolute grid after the skip.
    for (const d of ks) expect((d - first) % period).toBe(0n);
  });

  it("errors with ENOSYS on a backend without a sampler, saying what to use", () => {
    const sim = simulate({ behaviour: registerFile() });
    const bare: Backend = {
      info: sim.info,
      region: (ref) => sim.region(ref),
      events: sim.events,
      irq: sim.irq,
      closed: false,
      onClose: (listener) => sim.onClose(listener),
    };
    let error: RxuioError | undefined;
    sample(bare, [A], 100).subscribe({ error: (e: RxuioError) => (error = e) });
    expect(error?.code).toBe("ENOSYS");
    expect(error?.hint).toMatch(/UioDevice|simulate|poll/);
  });
});
