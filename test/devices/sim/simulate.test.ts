import { queueScheduler, VirtualTimeScheduler } from "rxjs";
import { describe, expect, it } from "vitest";
import type { EventListener, IrqSnapshot } from "../../../src/devices/backend.js";
import { adc } from "../../../src/devices/sim/adc.js";
import type { SimBehaviour, SimContext } from "../../../src/devices/sim/behaviour.js";
import { edu } from "../../../src/devices/sim/edu.js";
import { MemoryRegion } from "../../../src/devices/sim/memory-region.js";
import { REGISTER_FILE, registerFile } from "../../../src/devices/sim/register-file.js";
import { simulate } from "../../../src/devices/sim/simulate.js";
import { EDU_ID, eduRegisters } from "../../../src/devices/registers/maps/edu.js";
import { simAdcRegisters } from "../../../src/devices/registers/maps/sim-adc.js";
import { isRxuioError, type RxuioError } from "../../../src/errors.js";

/** A listener that records every batch and error. */
function recorder() {
  const batches: IrqSnapshot[][] = [];
  const errors: RxuioError[] = [];
  const listener: EventListener = {
    next: (events) => batches.push([...events]),
    error: (err) => errors.push(err),
  };
  return { listener, batches, errors, events: () => batches.flat() };
}

/** An edge-triggered behaviour whose line the test drives directly. */
function pulser(): { behaviour: SimBehaviour; context: () => SimContext } {
  let ctx: SimContext | undefined;
  return {
    behaviour: {
      name: "pulser",
      regions: [{ name: "regs", size: 16 }],
      irq: "edge",
      attach(context) {
        ctx = context;
        return () => undefined;
      },
    },
    context: () => {
      if (!ctx) throw new Error("not attached");
      return ctx;
    },
  };
}

describe("simulate(): kernel count semantics", () => {
  it("folds interrupts that land before the wake-up into one event with missed", () => {
    const scheduler = new VirtualTimeScheduler();
    const p = pulser();
    const dev = simulate({ behaviour: p.behaviour, scheduler });
    const rec = recorder();
    dev.events.watch(rec.listener);
    for (let i = 0; i < 10; i++) p.context().irq.pulse();
    scheduler.flush();
    p.context().irq.pulse();
    scheduler.flush();
    expect(rec.events().map(({ count, missed }) => ({ count, missed }))).toEqual([
      { count: 10, missed: 9 },
      { count: 11, missed: 0 },
    ]);
  });

  it("gives each watch its own accounting from the count at which it opened", () => {
    const scheduler = new VirtualTimeScheduler();
    const p = pulser();
    const dev = simulate({ behaviour: p.behaviour, scheduler });
    const early = recorder();
    dev.events.watch(early.listener);
    p.context().irq.pulse();
    p.context().irq.pulse();
    const late = recorder();
    dev.events.watch(late.listener);
    p.context().irq.pulse();
    scheduler.flush();
    expect(early.events().map((e) => e.missed)).toEqual([2]);
    expect(late.events().map((e) => e.missed)).toEqual([0]);
  });

  it("a slow consumer (wake latency) sees the exact number it missed", () => {
    const scheduler = new VirtualTimeScheduler();
    const dev = simulate({ behaviour: adc({ rate: 1000 }), scheduler, wakeLatency: 5 });
    const rec = recorder();
    dev.events.watch(rec.listener);
    const regs = simAdcRegisters.bind(dev.region(0));
    regs.ctrl.fields.run.write(1);
    scheduler.schedule(() => dev.close(), 100);
    scheduler.flush();
    const events = rec.events();
    const seen = events.length + events.reduce((sum, e) => sum + e.missed, 0);
    expect(events.length).toBeLessThan(30);
    expect(seen).toBe(events.at(-1)?.count);
    expect(events.some((e) => e.missed > 0)).toBe(true);
  });

  it("counts nothing while masked", () => {
    const scheduler = new VirtualTimeScheduler();
    const p = pulser();
    const dev = simulate({ behaviour: p.behaviour, scheduler });
    dev.irq.setEnabled(false);
    p.context().irq.pulse();
    p.context().irq.pulse();
    expect(dev.info.event).toBe(0);
    dev.irq.setEnabled(true);
    p.context().irq.pulse();
    expect(dev.info.event).toBe(1);
  });

  it("re-fires a level-triggered line on every unmask until the status is acked", () => {
    const scheduler = new VirtualTimeScheduler();
    const dev = simulate({ behaviour: registerFile(), scheduler });
    const bar = dev.region(0);
    const rec = recorder();
    dev.events.watch(rec.listener);
    bar.write32(REGISTER_FILE.set, 0b100);
    expect(dev.info.event).toBe(1);
    expect(dev.line?.enabled).toBe(false); // masked by the "kernel" on the interrupt
    dev.irq.setEnabled(true); // unmask without ack: fires again
    expect(dev.info.event).toBe(2);
    bar.write32(REGISTER_FILE.status, 0b100); // W1C ack
    expect(bar.read32(REGISTER_FILE.status)).toBe(0);
    dev.irq.setEnabled(true);
    expect(dev.info.event).toBe(2);
    scheduler.flush();
    expect(rec.events().map((e) => e.count)).toEqual([2]);
  });

  it("W1C status clears only the bits written", () => {
    const dev = simulate({ behaviour: registerFile(), scheduler: new VirtualTimeScheduler() });
    const bar = dev.region(0);
    bar.write32(REGISTER_FILE.set, 0b111);
    bar.write32(REGISTER_FILE.status, 0b010);
    expect(bar.read32(REGISTER_FILE.status)).toBe(0b101);
  });
});

describe("simulate(): snapshots and modes", () => {
  it("reads snapshot registers at wake-up", () => {
    const scheduler = new VirtualTimeScheduler();
    const dev = simulate({ behaviour: registerFile(), scheduler });
    const rec = recorder();
    dev.events.watch(rec.listener, {
      snapshot: [{ region: 0, offset: REGISTER_FILE.status, width: 32 }],
    });
    dev.region(0).write32(REGISTER_FILE.set, 0x5);
    scheduler.flush();
    expect(rec.events()[0]?.values).toEqual([0x5]);
  });

  it("gives every event fresh objects a listener may keep, and events without snapshot a shared frozen empty values", () => {
    const scheduler = new VirtualTimeScheduler();
    const dev = simulate({ behaviour: registerFile(), scheduler });
    const snapped = recorder();
    const bare = recorder();
    dev.events.watch(snapped.listener, {
      snapshot: [{ region: 0, offset: REGISTER_FILE.status, width: 32 }],
    });
    dev.events.watch(bare.listener);
    const raise = (bits: number) => {
      dev.region(0).write32(REGISTER_FILE.set, bits);
      scheduler.flush();
      dev.region(0).write32(REGISTER_FILE.status, 0xffff_ffff);
      dev.irq.setEnabled(true);
    };
    raise(0x1);
    raise(0x2);
    const [first, second] = snapped.events();
    expect(first?.values).toEqual([0x1]);
    expect(second?.values).toEqual([0x2]);
    expect(first).not.toBe(second);
    expect(first?.values).not.toBe(second?.values);
    const [a, b] = bare.events();
    expect(a?.values).toEqual([]);
    expect(a?.values).toBe(b?.values);
    expect(Object.isFrozen(a?.values)).toBe(true);
    dev.close();
  });

  it("refuses snapshot registers in regions that do not exist", () => {
    const dev = simulate({ behaviour: registerFile(), scheduler: new VirtualTimeScheduler() });
    expect(() =>
      dev.events.watch(recorder().listener, { snapshot: [{ region: 3, offset: 0, width: 32 }] }),
    ).toThrow(expect.objectContaining({ code: "ERANGE" }));
  });

  it("delivers in sigio mode, coalescing signals but not losing counts", () => {
    const scheduler = new VirtualTimeScheduler();
    const p = pulser();
    const dev = simulate({ behaviour: p.behaviour, scheduler });
    const a = recorder();
    const b = recorder();
    dev.events.watch(a.listener, { mode: "sigio" });
    dev.events.watch(b.listener, { mode: "sigio" });
    p.context().irq.pulse();
    p.context().irq.pulse();
    p.context().irq.pulse();
    scheduler.flush();
    expect(a.events().map((e) => [e.count, e.missed])).toEqual([[3, 2]]);
    expect(b.events().map((e) => [e.count, e.missed])).toEqual([[3, 2]]);
    expect(dev.events.modes).toContain("sigio");
  });

  it("stamps each wake-up with the virtual time it ran at", () => {
    const scheduler = new VirtualTimeScheduler();
    const p = pulser();
    const dev = simulate({ behaviour: p.behaviour, scheduler, wakeLatency: 1.5 });
    const rec = recorder();
    dev.events.watch(rec.listener);
    p.context().irq.pulse();
    p.context().irq.pulse();
    scheduler.schedule(() => p.context().irq.pulse(), 4);
    scheduler.schedule(() => p.context().irq.pulse(), 4.25);
    scheduler.flush();
    expect(rec.events().map(({ count, missed, time }) => [count, missed, time])).toEqual([
      [2, 1, 1_500_000n],
      [4, 1, 5_500_000n],
    ]);
  });

  it("keeps epoll and sigio watches apart as they come and go", () => {
    const scheduler = new VirtualTimeScheduler();
    const p = pulser();
    const dev = simulate({ behaviour: p.behaviour, scheduler });
    const polled = recorder();
    const signalled = recorder();
    dev.events.watch(polled.listener);
    const sigio = dev.events.watch(signalled.listener, { mode: "sigio" });
    p.context().irq.pulse();
    scheduler.flush();
    sigio.stop();
    sigio.stop();
    p.context().irq.pulse();
    scheduler.flush();
    const again = recorder();
    dev.events.watch(again.listener, { mode: "sigio" });
    p.context().irq.pulse();
    scheduler.flush();
    expect(polled.events().map((e) => e.count)).toEqual([1, 2, 3]);
    expect(signalled.events().map((e) => e.count)).toEqual([1]);
    expect(again.events().map((e) => [e.count, e.missed])).toEqual([[3, 0]]);
  });

  it("a watch stopped before its wake-up runs hears nothing", () => {
    const scheduler = new VirtualTimeScheduler();
    const p = pulser();
    const dev = simulate({ behaviour: p.behaviour, scheduler, wakeLatency: 2 });
    const rec = recorder();
    const watch = dev.events.watch(rec.listener);
    p.context().irq.pulse();
    watch.stop();
    scheduler.flush();
    expect(rec.batches).toEqual([]);
  });

  it("on queueScheduler wakes inside the interrupt, and an interrupt raised by a listener follows its batch", () => {
    const p = pulser();
    const dev = simulate({ behaviour: p.behaviour, scheduler: queueScheduler });
    const order: string[] = [];
    dev.events.watch({
      next: ([event]) => {
        order.push(`begin ${event?.count}`);
        // A listener that acks by raising the next interrupt: its wake-up
        // must wait until this batch is handled, not recurse into it.
        if (event?.count === 1) p.context().irq.pulse();
        order.push(`end ${event?.count}`);
      },
      error: (err) => order.push(err.code),
    });
    p.context().irq.pulse();
    order.push("after first");
    p.context().irq.pulse();
    expect(order).toEqual([
      "begin 1",
      "end 1",
      "begin 2",
      "end 2",
      "after first",
      "begin 3",
      "end 3",
    ]);
    dev.close();
  });

  it("on queueScheduler a listener that raises another device's interrupt sees it after it returns", () => {
    const a = pulser();
    const b = pulser();
    const devA = simulate({ behaviour: a.behaviour, scheduler: queueScheduler });
    const devB = simulate({ behaviour: b.behaviour, scheduler: queueScheduler, index: 1 });
    const order: string[] = [];
    devA.events.watch({
      next: () => {
        order.push("A begin");
        b.context().irq.pulse();
        order.push("A end");
      },
      error: () => undefined,
    });
    devB.events.watch({ next: () => order.push("B"), error: () => undefined });
    a.context().irq.pulse();
    expect(order).toEqual(["A begin", "A end", "B"]);
    devA.close();
    devB.close();
  });

  it("on queueScheduler a listener that throws throws out of the interrupt, and the watches behind it lose nothing", () => {
    const p = pulser();
    const dev = simulate({ behaviour: p.behaviour, scheduler: queueScheduler });
    let fail = true;
    const thrower: EventListener = {
      next: () => {
        if (fail) throw new Error("listener bug");
      },
      error: () => undefined,
    };
    const behind = recorder();
    const signalled = recorder();
    dev.events.watch(thrower);
    dev.events.watch(behind.listener);
    dev.events.watch(signalled.listener, { mode: "sigio" });
    expect(() => p.context().irq.pulse()).toThrow("listener bug");
    expect(behind.batches).toEqual([]);
    fail = false;
    p.context().irq.pulse();
    expect(behind.events().map((e) => [e.count, e.missed])).toEqual([[2, 1]]);
    expect(signalled.events().map((e) => [e.count, e.missed])).toEqual([[2, 1]]);
    p.context().irq.pulse();
    expect(signalled.events().map((e) => [e.count, e.missed])).toEqual([
      [2, 1],
      [3, 0],
    ]);
    dev.close();
  });

  it("says so when the device has no interrupt", () => {
    const dev = simulate({
      behaviour: {
        name: "quiet",
        regions: [{ name: "r", size: 4 }],
        irq: "none",
        attach: () => () => undefined,
      },
    });
    expect(dev.events.hasIrq).toBe(false);
    expect(() => dev.events.watch(recorder().listener)).toThrow(
      expect.objectContaining({ code: "ENOSYS" }),
    );
    expect(() => dev.irq.setEnabled(true)).toThrow(expect.objectContaining({ code: "ENOSYS" }));
    dev.close();
  });
});

describe("simulate(): lifetime", () => {
  it("close() notifies onClose without a reason and refuses further access", () => {
    const dev = simulate({ behaviour: registerFile(), scheduler: new VirtualTimeScheduler() });
    const reasons: (RxuioError | undefined)[] = [];
    dev.onClose((r) => reasons.push(r));
    const view = dev.region(0).view();
    dev.close();
    dev.close();
    expect(reasons).toEqual([undefined]);
    expect(dev.closed).toBe(true);
    expect(view.byteLength).toBe(0);
    expect(() => dev.region(0).read32(0)).toThrow(expect.objectContaining({ code: "ECLOSED" }));
    expect(() => dev.irq.setEnabled(true)).toThrow(expect.objectContaining({ code: "ECLOSED" }));
  });

  it("close() detaches the memory only when view() handed it out (a first detach slows every typed array in the process)", () => {
    const quiet = simulate({ behaviour: registerFile(), scheduler: new VirtualTimeScheduler() });
    const region = quiet.region(0);
    expect(region).toBeInstanceOf(MemoryRegion);
    const memory = (region as MemoryRegion).memory;
    quiet.close();
    expect(memory.byteLength).toBe(region.size); // not detached
    expect(() => region.read32(0)).toThrow(expect.objectContaining({ code: "ECLOSED" }));
    expect(() => region.write32(0, 1)).toThrow(expect.objectContaining({ code: "ECLOSED" }));
    expect(() => region.view()).toThrow(expect.objectContaining({ code: "ECLOSED" }));
  });

  it("unplug() errors the watches and onClose with ENODEV", () => {
    const dev = simulate({ behaviour: registerFile(), scheduler: new VirtualTimeScheduler() });
    const rec = recorder();
    dev.events.watch(rec.listener);
    const reasons: (RxuioError | undefined)[] = [];
    dev.onClose((r) => reasons.push(r));
    dev.unplug();
    expect(rec.errors.map((e) => e.code)).toEqual(["ENODEV"]);
    expect(reasons.map((r) => r?.code)).toEqual(["ENODEV"]);
    expect(() => dev.events.watch(rec.listener)).toThrow(
      expect.objectContaining({ code: "ENODEV" }),
    );
  });

  it("regions refuse out-of-range and misaligned accesses with what to do", () => {
    const dev = simulate({ behaviour: registerFile(), scheduler: new VirtualTimeScheduler() });
    const regs = dev.region(0);
    expect(() => regs.read32(0x100)).toThrow(
      expect.objectContaining({
        code: "ERANGE",
        message: expect.stringMatching(/region 0 \(regs\)/),
      }),
    );
    expect(() => regs.read32(-4)).toThrow(expect.objectContaining({ code: "ERANGE" }));
    expect(() => regs.read32(1.5)).toThrow(expect.objectContaining({ code: "ERANGE" }));
    expect(() => regs.write16(0x2, 1)).not.toThrow();
    expect(() => regs.read32(0x2)).toThrow(
      expect.objectContaining({ code: "EALIGN", hint: "Use a multiple of 4" }),
    );
    expect(regs.read16(0x2)).toBe(1);
    dev.close();
  });

  it("routes an access to a hook only at the hook's offset and width", () => {
    const dev = simulate({
      behaviour: {
        name: "hooked",
        regions: [{ name: "r", size: 16 }],
        irq: "none",
        attach({ region }) {
          const r = region(0);
          r.store(0, 64, 0x1122_3344_5566_7788n);
          r.hook(0, { width: 32, read: () => 0xdead_beef });
          r.hook(8, { width: 64, read: () => 7n });
          r.hook(12, { width: 8, read: () => 0x5a });
          return () => undefined;
        },
      },
    });
    const r = dev.region(0);
    expect(r.read32(0)).toBe(0xdead_beef);
    expect(r.read16(0)).toBe(0x7788);
    expect(r.read8(0)).toBe(0x88);
    expect(r.read64(0)).toBe(0x1122_3344_5566_7788n);
    expect(r.read64(8)).toBe(7n);
    expect(r.read32(8)).toBe(0);
    expect(r.read8(12)).toBe(0x5a);
    expect(r.read16(12)).toBe(0);
    dev.close();
  });

  it("reports regions by index and name, ERANGE otherwise", () => {
    const dev = simulate({ behaviour: adc(), scheduler: new VirtualTimeScheduler() });
    expect(dev.region("samples").index).toBe(1);
    expect(dev.info.maps.map((m) => m.name)).toEqual(["regs", "samples"]);
    const err = (() => {
      try {
        dev.region(5);
      } catch (e) {
        return e;
      }
    })();
    expect(isRxuioError(err, "ERANGE")).toBe(true);
    expect(() => dev.region("nope")).toThrow(/regs, samples/);
  });
});

describe("behaviours", () => {
  it("edu: id, liveness, factorial with an interrupt when done", () => {
    const scheduler = new VirtualTimeScheduler();
    const dev = simulate({ behaviour: edu({ computeTime: 2 }), scheduler });
    const regs = eduRegisters.bind(dev.region(0));
    expect(regs.id.read()).toBe(EDU_ID);
    regs.liveness.write(0x12345678);
    expect(regs.liveness.read()).toBe(~0x12345678 >>> 0);
    regs.status.fields.irqOnDone.write(1);
    regs.factorial.write(10);
    expect(regs.status.fields.busy.read()).toBe(1);
    scheduler.flush();
    expect(regs.factorial.read()).toBe(3628800);
    expect(regs.status.fields.busy.read()).toBe(0);
    expect(regs.irqStatus.fields.factorialDone.read()).toBe(1);
    expect(dev.info.event).toBe(1);
    regs.ack.write(1);
    expect(regs.irqStatus.read()).toBe(0);
    regs.raise.write(0x100);
    expect(dev.info.event).toBe(1); // still masked by the interrupt before
    dev.irq.setEnabled(true);
    expect(dev.info.event).toBe(2);
    expect(regs.irqStatus.read()).toBe(0x100);
  });

  it("adc: a watermark interrupt every N samples, samples in the ring", () => {
    const scheduler = new VirtualTimeScheduler();
    const dev = simulate({
      behaviour: adc({ rate: 1000, slots: 64, waveform: () => 0.5 }),
      scheduler,
    });
    const rec = recorder();
    dev.events.watch(rec.listener);
    const regs = simAdcRegisters.bind(dev.region(0));
    regs.watermark.write(8);
    regs.ctrl.write(0b11);
    scheduler.schedule(() => regs.ctrl.write(0), 100);
    scheduler.flush();
    expect(regs.count.read()).toBe(98); // ticks every 2 ms; the stop at 100 ms runs before that tick
    expect(rec.events().map((e) => e.missed)).toEqual(Array<number>(12).fill(0));
    expect(regs.status.fields.watermark.read()).toBe(1);
    expect(dev.region(1).read16(0)).toBe((Math.round(0.5 * 2047) << 4) & 0xffff);
  });

  it("adc: runs in real time", async () => {
    const dev = simulate({ behaviour: adc({ rate: 2000 }) });
    const regs = simAdcRegisters.bind(dev.region(0));
    regs.ctrl.write(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    dev.close();
    expect(dev.info.event).toBeGreaterThan(10);
  });
});
