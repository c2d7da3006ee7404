import { take } from "rxjs";
import { describe, expect, it } from "vitest";
import { MemoryRegion } from "../../../src/devices/sim/memory-region.js";
import { defineRegisters } from "../../../src/devices/registers/define-registers.js";
import { field } from "../../../src/streams/operators/field.js";
import { testScheduler } from "../sim-fixtures.js";
import { synchronousSource } from "../synchronous-source.js";

describe("field", () => {
  it("maps register values to a field given as [lsb, width]", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold("--a----b----c--|", { a: 0x05, b: 0x04, c: 0x13 });
      expectObservable(source.pipe(field([0, 1]))).toBe("--1----0----1--|", { 1: 1, 0: 0 });
      expectSubscriptions(source.subscriptions).toBe("^--------------!");
    });
  });

  it("uses a bound field, and handles 64-bit values and high bits", () => {
    const regs = defineRegisters({ s: { offset: 0, fields: { mode: [4, 2] } } }).bind(
      new MemoryRegion(0, undefined, 4),
    );
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold("-a|", { a: 0x30 }).pipe(field(regs.s.fields.mode))).toBe("-a|", {
        a: 3,
      });
      expectObservable(cold("-a|", { a: 0xf000_0000 }).pipe(field([28, 4]))).toBe("-a|", { a: 15 });
      expectObservable(cold("-a|", { a: 0x1_0000_0000n }).pipe(field([32, 1]))).toBe("-a|", {
        a: 1,
      });
      expectObservable(cold("-ab|", { a: 0x1_0000_0035n, b: 0x35 }).pipe(field([4, 4]))).toBe(
        "-ab|",
        { a: 3, b: 3 },
      );
    });
  });

  it("passes errors through and unsubscribes upstream", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const failing = cold("-a-#", { a: 1 }, new Error("read failed"));
      expectObservable(failing.pipe(field([0, 1]))).toBe(
        "-a-#",
        { a: 1 },
        new Error("read failed"),
      );
      const endless = cold("-a-a-a-a", { a: 2 });
      expectObservable(endless.pipe(field([1, 1])), "^--!").toBe("-a-", { a: 1 });
      expectSubscriptions(endless.subscriptions).toBe("^--!");
    });
    expect(field([0, 1])).toBeTypeOf("function");
  });

  it("ends the stream when a value cannot be cut (a fraction into a bigint field), and unsubscribes upstream", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold("-a-b-a", { a: 0x1_0000_0000n, b: 1.5 });
      expectObservable(source.pipe(field([32, 1]))).toBe(
        "-a-#",
        { a: 1 },
        new RangeError(
          "The number 1.5 cannot be converted to a BigInt because it is not an integer",
        ),
      );
      expectSubscriptions(source.subscriptions).toBe("^--!");
    });
  });

  it("stops a synchronous source as soon as downstream has taken enough", () => {
    const { source, produced } = synchronousSource((i) => i << 4);
    const seen: number[] = [];
    source.pipe(field([4, 4]), take(3)).subscribe((v) => seen.push(v));
    expect(seen).toEqual([0, 1, 2]);
    expect(produced).toEqual([0, 1, 2]);
  });
});
