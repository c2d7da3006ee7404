import { catchError, of } from "rxjs";
import { describe, expect, it } from "vitest";
import { registerFile } from "../../../src/devices/sim/register-file.js";
import { simulate } from "../../../src/devices/sim/simulate.js";
import { defineRegisters } from "../../../src/devices/registers/define-registers.js";
import { poll } from "../../../src/streams/sources/poll.js";
import { testScheduler } from "../sim-fixtures.js";

const map = defineRegisters({ value: { offset: 0x20, volatile: true } });

describe("poll()", () => {
  it("reads at subscription and then every period", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const dev = simulate({ behaviour: registerFile(), scheduler: ts });
      const regs = map.bind(dev.region(0));
      cold("-a-b").subscribe((v) => regs.value.write(v === "a" ? 1 : 2));
      expectObservable(poll(regs.value, 2, ts), "^----!").toBe("0-1-2", { 0: 0, 1: 1, 2: 2 });
    });
  });

  it("completes with the device when given it, and with its AbortSignal", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const dev = simulate({ behaviour: registerFile(), scheduler: ts });
      const regs = map.bind(dev.region(0));
      cold("---x").subscribe(() => dev.close());
      expectObservable(poll(regs.value, 2, { scheduler: ts, device: dev })).toBe("a-a|", { a: 0 });
      const controller = new AbortController();
      cold("-x").subscribe(() => controller.abort());
      expectObservable(poll(() => 7, 1, { scheduler: ts, signal: controller.signal })).toBe("a|", {
        a: 7,
      });
    });
  });

  it("errors with the read's RxuioError (ECLOSED after close)", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const dev = simulate({ behaviour: registerFile(), scheduler: ts });
      const regs = map.bind(dev.region(0));
      cold("---x").subscribe(() => dev.close());
      const codes = poll(regs.value, 2, ts).pipe(catchError((e: { code: string }) => of(e.code)));
      expectObservable(codes).toBe("a-a-(e|)", { a: 0, e: "ECLOSED" });
    });
  });

  it("refuses a period that is not a positive number", () => {
    expect(() => poll(() => 0, 0)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => poll(() => 0, Number.NaN)).toThrow(/positive/);
  });
});
