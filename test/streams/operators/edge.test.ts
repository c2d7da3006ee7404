import { describe, it } from "vitest";
import { edge } from "../../../src/streams/operators/edge.js";
import { testScheduler } from "../sim-fixtures.js";

const levels = { 0: 0, 1: 1 };

describe("edge", () => {
  it("emits rising, falling or both transitions; the first value is not an edge", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold("--0--1--1--0--1--|", levels);
      expectObservable(source.pipe(edge())).toBe("-----1--------1--|", levels);
      expectObservable(source.pipe(edge("falling"))).toBe("-----------0-----|", levels);
      expectObservable(source.pipe(edge("both"))).toBe("-----1-----0--1--|", levels);
      expectSubscriptions(source.subscriptions).toBe([
        "^----------------!",
        "^----------------!",
        "^----------------!",
      ]);
    });
  });

  it("treats any non-zero value and true as high", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold("-a-b-c|", { a: false, b: true, c: false }).pipe(edge())).toBe(
        "---b--|",
        { b: true },
      );
      expectObservable(cold("-a-b-c|", { a: 0, b: 4, c: 8 }).pipe(edge())).toBe("---b--|", {
        b: 4,
      });
    });
  });

  it("passes errors through and stops on unsubscribe", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold("-0-1-#", levels).pipe(edge())).toBe("---1-#", levels);
      const endless = cold("-0-1-0-1", levels);
      expectObservable(endless.pipe(edge()), "^----!").toBe("---1-", levels);
      expectSubscriptions(endless.subscriptions).toBe("^----!");
    });
  });
});
