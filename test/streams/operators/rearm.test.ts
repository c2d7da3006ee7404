import { take, tap } from "rxjs";
import { describe, expect, it } from "vitest";
import type { IrqControl } from "../../../src/devices/backend.js";
import { RxuioError } from "../../../src/errors.js";
import { rearm } from "../../../src/streams/operators/rearm.js";
import { testScheduler } from "../sim-fixtures.js";

function recordingIrq(log: string[], fail = false): IrqControl {
  return {
    strategy: "simulated",
    setEnabled(enabled) {
      if (fail) throw new RxuioError("ENOSYS", "no irqcontrol");
      log.push(`enable ${enabled}`);
    },
  };
}

describe("rearm", () => {
  it("unmasks after downstream handled each event, then completes", () => {
    const log: string[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold("--a--b--|");
      const handled = source.pipe(
        rearm(recordingIrq(log)),
        tap((e) => log.push(`handled ${e}`)),
      );
      expectObservable(handled).toBe("--a--b--|");
      expectSubscriptions(source.subscriptions).toBe("^-------!");
    });
    expect(log).toEqual(["handled a", "enable true", "handled b", "enable true"]);
  });

  it("still unmasks when downstream unsubscribes while handling (take(1))", () => {
    const log: string[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold("-a-b").pipe(rearm(recordingIrq(log)), take(1))).toBe("-(a|)");
    });
    expect(log).toEqual(["enable true"]);
  });

  it("errors with the unmask failure and unsubscribes upstream", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold("--a--b--|");
      expectObservable(source.pipe(rearm(recordingIrq([], true)))).toBe(
        "--(a#)",
        undefined,
        expect.objectContaining({ code: "ENOSYS" }),
      );
      expectSubscriptions(source.subscriptions).toBe("^-!");
    });
  });

  it("passes upstream errors through and stops on unsubscribe", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold("-a-#").pipe(rearm(recordingIrq([])))).toBe("-a-#");
      const endless = cold("-a-a-a");
      expectObservable(endless.pipe(rearm(recordingIrq([]))), "^--!").toBe("-a-");
      expectSubscriptions(endless.subscriptions).toBe("^--!");
    });
  });
});
