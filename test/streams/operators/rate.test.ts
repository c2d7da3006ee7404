import { describe, expect, it } from "vitest";
import { rate } from "../../../src/streams/operators/rate.js";
import { testScheduler } from "../sim-fixtures.js";

describe("rate", () => {
  it("emits events per second at the end of each window, 0 when idle", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold("-a-b-c----d-----|");
      expectObservable(source.pipe(rate(5, { scheduler: ts }))).toBe("-----q----r----z|", {
        q: 400, // a, b in [0, 5); c at 5 opens the next window
        r: 400,
        z: 0,
      });
      expectSubscriptions(source.subscriptions).toBe("^---------------!");
    });
  });

  it("weights values, e.g. counting missed interrupts", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold("-a-b-|", { a: { missed: 0 }, b: { missed: 3 } });
      expectObservable(source.pipe(rate(4, { scheduler: ts, weight: (e) => 1 + e.missed }))).toBe(
        "----r|",
        { r: 1250 },
      );
    });
  });

  it("passes errors through, stops its timer on unsubscribe, refuses bad windows", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold("-a-#").pipe(rate(2, { scheduler: ts }))).toBe("--r#", { r: 500 });
      const endless = cold("-a-a-a-a-a");
      expectObservable(endless.pipe(rate(4, { scheduler: ts })), "^-----!").toBe("----r-", {
        r: 500,
      });
      expectSubscriptions(endless.subscriptions).toBe("^-----!");
    });
    expect(() => rate(0)).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });
});
