import { describe, expect, it } from "vitest";
import { MemoryRegion } from "../../../src/devices/sim/memory-region.js";
import { defineRegisters } from "../../../src/devices/registers/define-registers.js";
import { ack } from "../../../src/streams/operators/ack.js";
import { testScheduler } from "../sim-fixtures.js";

describe("ack", () => {
  it("writes the mask before passing each event on, then completes", () => {
    const writes: string[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold("--a--b--|");
      const acked = source.pipe(
        ack((v) => writes.push(`ack ${String(v)}`), 1),
        ack(
          (v) => writes.push(`then ${String(v)}`),
          (e: string) => e.charCodeAt(0),
        ),
      );
      expectObservable(acked).toBe("--a--b--|");
      expectSubscriptions(source.subscriptions).toBe("^-------!");
    });
    expect(writes).toEqual(["ack 1", "then 97", "ack 1", "then 98"]);
  });

  it("writes a w1c register without reading it", () => {
    const region = new MemoryRegion(0, undefined, 0x100);
    let reads = 0;
    const written: number[] = [];
    region.hook(0x64, {
      width: 32,
      read: () => ++reads,
      write: (v) => written.push(Number(v)),
    });
    const regs = defineRegisters({ ack: { offset: 0x64, access: "w1c" } }).bind(region);
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(
        cold("-a-b|", { a: 0x1, b: 0x100 }).pipe(ack(regs.ack, (s: number) => s)),
      ).toBe("-a-b|", { a: 0x1, b: 0x100 });
    });
    expect(written).toEqual([0x1, 0x100]);
    expect(reads).toBe(0);
  });

  it("errors the stream with the write's error (a refused ro register) and unsubscribes", () => {
    const regs = defineRegisters({ id: { offset: 0, access: "ro" } }).bind(
      new MemoryRegion(0, undefined, 4),
    );
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold("--a--b--|");
      const codes = source.pipe(ack(regs.id, 1));
      expectObservable(codes).toBe("--#", undefined, expect.objectContaining({ code: "ENOSYS" }));
      expectSubscriptions(source.subscriptions).toBe("^-!");
    });
  });

  it("passes upstream errors through and stops on unsubscribe", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold("-a-#").pipe(ack(() => undefined, 1))).toBe("-a-#");
      const endless = cold("-a-a-a");
      expectObservable(endless.pipe(ack(() => undefined, 1)), "^--!").toBe("-a-");
      expectSubscriptions(endless.subscriptions).toBe("^--!");
    });
  });
});
