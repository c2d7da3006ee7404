import { VirtualTimeScheduler, lastValueFrom, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import { eduDriver } from "../../src/drivers/edu.js";
import { edu } from "../../src/devices/sim/edu.js";
import { registerFile } from "../../src/devices/sim/register-file.js";
import { simulate } from "../../src/devices/sim/simulate.js";
import type { IrqSnapshot } from "../../src/devices/backend.js";

function collect<T>(
  scheduler: VirtualTimeScheduler,
  stream: { subscribe: (o: object) => unknown },
) {
  const values: T[] = [];
  const errors: { code?: string; message: string }[] = [];
  let completed = false;
  stream.subscribe({
    next: (v: T) => values.push(v),
    error: (e: { code?: string; message: string }) => errors.push(e),
    complete: () => (completed = true),
  });
  scheduler.flush();
  return { values, errors, completed: () => completed };
}

describe("edu driver on the simulator", () => {
  it("identifies the device and checks liveness", () => {
    const dev = simulate({ behaviour: edu() });
    const driver = eduDriver(dev);
    expect(driver.identify()).toEqual({ major: 1, minor: 0 });
    expect(driver.liveness()).toBe(true);
    expect(driver.liveness(0)).toBe(true);
    dev.close();
  });

  it("refuses a device that is not an edu with ENODEV", () => {
    const dev = simulate({ behaviour: registerFile() });
    expect(() => eduDriver(dev).identify()).toThrow(expect.objectContaining({ code: "ENODEV" }));
    dev.close();
  });

  it("computes factorials by interrupt, acking and rearming each time", () => {
    const scheduler = new VirtualTimeScheduler();
    const dev = simulate({ behaviour: edu({ computeTime: 3 }), scheduler });
    const driver = eduDriver(dev);
    const first = collect<number>(scheduler, driver.factorial(10));
    expect(first.values).toEqual([3628800]);
    expect(first.completed()).toBe(true);
    expect(driver.regs.irqStatus.read()).toBe(0);
    expect(dev.line?.enabled).toBe(true);
    const second = collect<number>(scheduler, driver.factorial(12));
    expect(second.values).toEqual([479001600]);
    expect(collect<number>(scheduler, driver.factorial(13)).values).toEqual([1932053504]); // 13! mod 2^32
    expect(dev.info.event).toBe(3);
  });

  it("handles 1,000 raise/ack/rearm round trips with zero missed", () => {
    const scheduler = new VirtualTimeScheduler();
    const dev = simulate({ behaviour: edu(), scheduler });
    const run = collect<IrqSnapshot>(scheduler, eduDriver(dev).pingPong(1000));
    expect(run.completed()).toBe(true);
    expect(run.values).toHaveLength(1000);
    expect(run.values.every((e) => e.missed === 0)).toBe(true);
    expect(run.values.map((e) => e.count)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(run.values.every((e) => e.values[0] === 0x10000)).toBe(true);
  });

  it("declared as a service plan: the same factorials and 1,000 round trips, each event serviced", () => {
    const scheduler = new VirtualTimeScheduler();
    const dev = simulate({ behaviour: edu({ computeTime: 3 }), scheduler });
    const driver = eduDriver(dev, { serviced: true });
    expect(collect<number>(scheduler, driver.factorial(10)).values).toEqual([3628800]);
    const run = collect<IrqSnapshot>(scheduler, driver.pingPong(1000));
    expect(run.completed()).toBe(true);
    expect(run.values).toHaveLength(1000);
    expect(run.values.every((e) => e.missed === 0 && e.servicedAt !== undefined)).toBe(true);
    expect(run.values.every((e) => e.values[0] === 0x10000)).toBe(true);
    expect(driver.regs.irqStatus.read()).toBe(0);
    expect(dev.line?.enabled).toBe(true);
    expect(dev.info.event).toBe(1001);
  });

  it("times out with EIO when the interrupt does not come", () => {
    const scheduler = new VirtualTimeScheduler();
    const dev = simulate({ behaviour: edu({ computeTime: 50 }), scheduler });
    const run = collect<number>(scheduler, eduDriver(dev).factorial(5, { timeout: 10, scheduler }));
    expect(run.values).toEqual([]);
    expect(run.errors.map((e) => e.code)).toEqual(["EIO"]);
  });

  it("ends the event loop with the device: complete on close, ENODEV on unplug", async () => {
    const closing = simulate({ behaviour: edu() });
    const served = lastValueFrom(eduDriver(closing).serve().pipe(toArray()));
    closing.close();
    await expect(served).resolves.toEqual([]);
    const unplugged = simulate({ behaviour: edu() });
    const failed = lastValueFrom(eduDriver(unplugged).serve());
    unplugged.unplug();
    await expect(failed).rejects.toMatchObject({ code: "ENODEV" });
  });
});
