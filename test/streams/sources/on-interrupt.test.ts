import { map } from "rxjs";
import { describe, expect, it } from "vitest";
import { edu } from "../../../src/devices/sim/edu.js";
import { REGISTER_FILE, registerFile } from "../../../src/devices/sim/register-file.js";
import { simulate } from "../../../src/devices/sim/simulate.js";
import { eduRegisters } from "../../../src/devices/registers/maps/edu.js";
import { onInterrupt } from "../../../src/streams/sources/on-interrupt.js";
import { testScheduler } from "../sim-fixtures.js";

describe("onInterrupt()", () => {
  it("carries the registers as they were at the interrupt, not later", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const dev = simulate({ behaviour: edu(), scheduler: ts });
      const regs = eduRegisters.bind(dev.region(0));
      cold("-a---b").subscribe((v) => {
        regs.raise.write(v === "a" ? 0x10 : 0x20);
      });
      const snapshots = onInterrupt(dev, [regs.irqStatus, regs.id]).pipe(
        map(({ values }) => {
          // The handler acks and rearms after the snapshot was taken.
          regs.ack.write(Number(values[0]));
          dev.irq.setEnabled(true);
          return values;
        }),
      );
      cold("--------x").subscribe(() => dev.close());
      expectObservable(snapshots).toBe("-a---b--|", {
        a: [0x10, 0x010000ed],
        b: [0x20, 0x010000ed],
      });
    });
  });

  it("accepts raw register locations and honours an AbortSignal", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const dev = simulate({ behaviour: registerFile(), scheduler: ts });
      const bar = dev.region(0);
      cold("-a-a").subscribe(() => {
        bar.write32(REGISTER_FILE.set, 1);
        bar.write32(REGISTER_FILE.status, 1);
        dev.irq.setEnabled(true);
      });
      const controller = new AbortController();
      cold("--x").subscribe(() => controller.abort());
      const stream = onInterrupt(dev, [{ region: 0, offset: REGISTER_FILE.enable, width: 32 }], {
        signal: controller.signal,
      }).pipe(map((s) => s.values[0]));
      expectObservable(stream).toBe("-a|", { a: 0xffffffff });
    });
  });

  it("errors ERANGE for a register in a region that does not exist", () => {
    const dev = simulate({ behaviour: registerFile() });
    const codes: string[] = [];
    onInterrupt(dev, [{ region: 4, offset: 0, width: 32 }]).subscribe({
      error: (e: { code: string }) => codes.push(e.code),
    });
    expect(codes).toEqual(["ERANGE"]);
    dev.close();
  });
});
