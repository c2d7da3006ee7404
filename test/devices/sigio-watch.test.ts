import { afterEach, describe, expect, it } from "vitest";
import { RxuioError } from "../../src/errors.js";
import type { IrqSnapshot } from "../../src/devices/backend.js";
import { MemoryRegion } from "../../src/devices/sim/memory-region.js";
import { watchBySigio } from "../../src/devices/sigio-watch.js";

/** Counts queued as the kernel would return them, one read each; O_ASYNC recorded. */
class QueuedCounts {
  readonly pending: number[] = [];
  asyncEnabled: boolean[] = [];
  failure: RxuioError | undefined;
  read(): number | undefined {
    if (this.failure) throw this.failure;
    return this.pending.shift();
  }
  setAsync(enabled: boolean): void {
    this.asyncEnabled.push(enabled);
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("watchBySigio", () => {
  const stops: (() => void)[] = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
    expect(process.listenerCount("SIGIO")).toBe(0);
  });

  function start(fd: QueuedCounts, baseline?: number, region?: MemoryRegion) {
    const batches: (readonly IrqSnapshot[])[] = [];
    const errors: RxuioError[] = [];
    let now = 100n;
    const stop = watchBySigio(
      fd,
      (events) => batches.push(events),
      (err) => errors.push(err),
      {
        baseline,
        now: () => now++,
        snapshot: region ? [{ region, offset: 4, width: 32 }] : undefined,
      },
    );
    stops.push(stop);
    return { batches, errors, stop };
  }

  it("arms O_ASYNC with a listener in place, and disarms on stop", () => {
    const fd = new QueuedCounts();
    const { stop } = start(fd);
    expect(process.listenerCount("SIGIO")).toBe(1);
    expect(fd.asyncEnabled).toEqual([true]);
    stop();
    stop();
    expect(fd.asyncEnabled).toEqual([true, false]);
    expect(process.listenerCount("SIGIO")).toBe(0);
  });

  it("reads the count per signal and reports jumps beyond one as missed", async () => {
    const fd = new QueuedCounts();
    const { batches } = start(fd, 10);
    await settle();
    fd.pending.push(11);
    process.emit("SIGIO", "SIGIO");
    fd.pending.push(14);
    process.emit("SIGIO", "SIGIO");
    process.emit("SIGIO", "SIGIO"); // coalesced signal, nothing new
    expect(batches).toEqual([
      [{ count: 11, missed: 0, time: 100n, values: [] }],
      [{ count: 14, missed: 2, time: 101n, values: [] }],
    ]);
  });

  it("collects interrupts that arrived before O_ASYNC was armed, after watch returns", async () => {
    const fd = new QueuedCounts();
    fd.pending.push(3);
    const { batches } = start(fd, 1);
    expect(batches).toEqual([]);
    await settle();
    expect(batches.map((b) => b.map((e) => [e.count, e.missed]))).toEqual([[[3, 1]]]);
  });

  it("counts across the s32 wrap, and without a baseline reports nothing missed first", async () => {
    const fd = new QueuedCounts();
    const { batches } = start(fd);
    fd.pending.push(0x7fffffff);
    process.emit("SIGIO", "SIGIO");
    fd.pending.push(-0x7fffffff);
    process.emit("SIGIO", "SIGIO");
    expect(batches.map((b) => b.map((e) => [e.count, e.missed]))).toEqual([
      [[0x7fffffff, 0]],
      [[-0x7fffffff, 1]],
    ]);
  });

  it("reads snapshot registers at the signal, one frozen values array per wake-up", () => {
    const region = new MemoryRegion(0, "regs", 16);
    const fd = new QueuedCounts();
    const { batches } = start(fd, 0, region);
    region.write32(4, 0xabcd);
    fd.pending.push(1);
    process.emit("SIGIO", "SIGIO");
    expect(batches[0]?.[0]?.values).toEqual([0xabcd]);
    expect(Object.isFrozen(batches[0]?.[0]?.values)).toBe(true);
  });

  it("reports a failing read once and stops", () => {
    const fd = new QueuedCounts();
    const { errors } = start(fd, 0);
    fd.failure = new RxuioError("EIO", "read failed");
    process.emit("SIGIO", "SIGIO");
    process.emit("SIGIO", "SIGIO");
    expect(errors.map((e) => e.code)).toEqual(["EIO"]);
    expect(process.listenerCount("SIGIO")).toBe(0);
    expect(fd.asyncEnabled).toEqual([true, false]);
  });

  it("leaves no listener behind when O_ASYNC cannot be armed", () => {
    const fd = new QueuedCounts();
    fd.setAsync = () => {
      throw new RxuioError("ECLOSED", "closed");
    };
    expect(() => start(fd)).toThrow(RxuioError);
    expect(process.listenerCount("SIGIO")).toBe(0);
  });
});
