import { map } from "rxjs";
import { describe, expect, it } from "vitest";
import { edu } from "../../../src/devices/sim/edu.js";
import { simulate } from "../../../src/devices/sim/simulate.js";
import { eduRegisters } from "../../../src/devices/registers/maps/edu.js";
import { serviced } from "../../../src/streams/sources/serviced.js";
import { thrown } from "../../rxuio-error-assertions.js";
import { testScheduler } from "../sim-fixtures.js";

describe("serviced()", () => {
  it("acks with the status it read and re-arms before the subscriber runs, so the driver only observes", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const dev = simulate({ behaviour: edu(), scheduler: ts });
      const regs = eduRegisters.bind(dev.region(0));
      cold("-a---b").subscribe((v) => regs.raise.write(v === "a" ? 0x10 : 0x20));
      const events = serviced(dev, {
        snapshot: [regs.irqStatus],
        ack: { register: regs.ack, from: regs.irqStatus },
        rearm: true,
      }).pipe(
        map((e) => {
          // Serviced already: the status is clear and the line unmasked.
          expect(regs.irqStatus.read()).toBe(0);
          expect(dev.line?.enabled).toBe(true);
          expect(e.servicedAt).toBeGreaterThanOrEqual(e.time);
          return [e.values[0], e.missed];
        }),
      );
      cold("--------x").subscribe(() => dev.close());
      expectObservable(events).toBe("-a---b--|", { a: [0x10, 0], b: [0x20, 0] });
    });
  });

  it("without rearm the masked line takes no second interrupt; a constant ack is written as given", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const dev = simulate({ behaviour: edu(), scheduler: ts });
      const regs = eduRegisters.bind(dev.region(0));
      cold("-a---b").subscribe(() => regs.raise.write(0x3));
      const events = serviced(dev, { ack: { register: regs.ack, value: 0x1 } }).pipe(
        map(() => regs.irqStatus.read()),
      );
      cold("--------x").subscribe(() => dev.close());
      expectObservable(events).toBe("-a------|", { a: 0x2 });
    });
  });

  it("runs one serviced stream per device: a second subscription errors with EINVAL", () => {
    const dev = simulate({ behaviour: edu() });
    const first = serviced(dev, { rearm: true }).subscribe();
    let failure: unknown;
    serviced(dev, { rearm: true }).subscribe({ error: (err: unknown) => (failure = err) });
    expect(failure).toMatchObject({ code: "EINVAL" });
    first.unsubscribe();
    const again = serviced(dev, { rearm: true }).subscribe({
      error: (err: unknown) => (failure = err),
    });
    again.unsubscribe();
    dev.close();
  });

  it("refuses a read-only register as the ack with ENOSYS", () => {
    const dev = simulate({ behaviour: edu() });
    const regs = eduRegisters.bind(dev.region(0));
    const err = thrown(() => serviced(dev, { ack: { register: regs.irqStatus, value: 1 } }));
    expect(err.code).toBe("ENOSYS");
    expect(err.message).toContain("irqStatus");
    dev.close();
  });

  it("refuses an unknown thread, non-boolean switches and realtime in the event loop with EINVAL, as a real device does", () => {
    const dev = simulate({ behaviour: edu() });
    // What untyped JS or a configuration file can pass: the simulator ignores
    // thread and realtime, but must not accept a plan hardware refuses.
    const plans = [
      { options: { thread: "fibre" }, message: 'unknown service runner thread: "fibre"' },
      { options: { realtime: 1 }, message: "realtime must be true or false" },
      { options: { rearm: "yes" }, message: "rearm must be true or false" },
      { options: { realtime: true, thread: "event-loop" }, message: "has none" },
    ];
    for (const { options, message } of plans) {
      let failure: unknown;
      serviced(dev, options as Parameters<typeof serviced>[1]).subscribe({
        error: (err: unknown) => (failure = err),
      });
      expect(failure).toMatchObject({ code: "EINVAL" });
      expect((failure as Error).message).toContain(message);
      expect((failure as { hint?: string }).hint).toMatch(/^(Use one of|Pass|Leave realtime out)/);
    }
    // Refused before the watch opened: a valid plan still gets the device.
    let failure: unknown;
    const ok = serviced(dev, { thread: "event-loop", rearm: true }).subscribe({
      error: (err: unknown) => (failure = err),
    });
    expect(failure).toBeUndefined();
    expect(ok.closed).toBe(false);
    ok.unsubscribe();
    dev.close();
  });
});
