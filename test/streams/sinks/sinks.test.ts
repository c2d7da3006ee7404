import { Subject, of, throwError } from "rxjs";
import { describe, expect, it } from "vitest";
import { registerFile, REGISTER_FILE } from "../../../src/devices/sim/register-file.js";
import { simulate } from "../../../src/devices/sim/simulate.js";
import { defineRegisters } from "../../../src/devices/registers/define-registers.js";
import { irqControl } from "../../../src/streams/sinks/irq-control.js";
import { sink } from "../../../src/streams/sinks/register-sink.js";
import type { RxuioError } from "../../../src/errors.js";

const map = defineRegisters({
  out: { offset: 0x20 },
  id: { offset: 0x24, access: "ro" },
});

describe("irqControl()", () => {
  it("masks and unmasks through the device's strategy", () => {
    const dev = simulate({ behaviour: registerFile() });
    const control = new Subject<boolean>();
    control.subscribe(irqControl(dev));
    control.next(false);
    dev.region(0).write32(REGISTER_FILE.set, 1);
    expect(dev.info.event).toBe(0);
    control.next(true);
    expect(dev.info.event).toBe(1);
    dev.close();
  });

  it("reports failures on errors$ instead of throwing into the feeding stream", () => {
    const dev = simulate({
      behaviour: { name: "q", regions: [], irq: "none", attach: () => () => undefined },
    });
    const irq = irqControl(dev);
    const errors: RxuioError[] = [];
    irq.errors$.subscribe((e) => errors.push(e));
    const feeder = new Subject<boolean>();
    feeder.subscribe(irq);
    expect(() => feeder.next(true)).not.toThrow();
    dev.close();
    feeder.next(false);
    expect(errors.map((e) => e.code)).toEqual(["ENOSYS", "ECLOSED"]);
  });
});

describe("sink()", () => {
  it("writes each value to the register", () => {
    const dev = simulate({ behaviour: registerFile() });
    const regs = map.bind(dev.region(0));
    of(1, 2, 3).subscribe(sink(regs.out));
    expect(regs.out.read()).toBe(3);
    const written: number[] = [];
    of(4, 5).subscribe(sink((v: number) => written.push(v)));
    expect(written).toEqual([4, 5]);
  });

  it("reports refused writes, the feeding stream's error, and completes errors$", () => {
    const dev = simulate({ behaviour: registerFile() });
    const regs = map.bind(dev.region(0));
    const target = sink(regs.id);
    const seen: string[] = [];
    target.errors$.subscribe({
      next: (e) => seen.push(`${e.code}: ${e.message}`),
      complete: () => seen.push("done"),
    });
    of(1).subscribe(target);
    expect(seen[0]).toMatch(/^ENOSYS: register id is read-only/);
    expect(seen[1]).toBe("done");

    const other = sink(regs.out);
    const codes: string[] = [];
    other.errors$.subscribe((e) => codes.push(e.code));
    throwError(() => new Error("upstream broke")).subscribe(other);
    expect(codes).toEqual(["EIO"]);
  });
});
