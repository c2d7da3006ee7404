import { describe, expect, it } from "vitest";
import { watermark } from "../../../src/streams/operators/watermark.js";
import { testScheduler } from "../sim-fixtures.js";

describe("watermark", () => {
  it("emits at the watermark or timeout after the first value, flushing on complete", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold("-a-b-c-d------e-----|");
      expectObservable(source.pipe(watermark(3, 4, ts))).toBe("-----x-----y------z-|", {
        x: ["a", "b", "c"],
        y: ["d"],
        z: ["e"],
      });
      expectSubscriptions(source.subscriptions).toBe("^-------------------!");
      expectObservable(cold("-a-|").pipe(watermark(3, 4, ts))).toBe("---(x|)", { x: ["a"] });
    });
  });

  it("without a timeout waits for full buffers", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold("-a-b-c-d-e|").pipe(watermark(2))).toBe("---x---y--(z|)", {
        x: ["a", "b"],
        y: ["c", "d"],
        z: ["e"],
      });
      expectObservable(cold("---|").pipe(watermark(2))).toBe("---|");
    });
  });

  it("drops the partial buffer on error, stops its timer on unsubscribe, refuses bad sizes", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold("-a-#").pipe(watermark(2, 10, ts))).toBe("---#");
      const endless = cold("-a-------");
      expectObservable(endless.pipe(watermark(2, 3, ts)), "^-!").toBe("---");
      expectSubscriptions(endless.subscriptions).toBe("^-!");
    });
    expect(() => watermark(0)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => watermark(4, -1)).toThrow(/timeout/);
  });
});
