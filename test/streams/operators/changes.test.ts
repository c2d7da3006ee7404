import { take } from "rxjs";
import { describe, expect, it } from "vitest";
import { changes } from "../../../src/streams/operators/changes.js";
import { testScheduler } from "../sim-fixtures.js";
import { synchronousSource } from "../synchronous-source.js";

describe("changes", () => {
  it("emits the first value and each change, then completes", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold("--1--1--2--2--2--1--|");
      expectObservable(source.pipe(changes())).toBe("--1-----2--------1--|");
      expectSubscriptions(source.subscriptions).toBe("^-------------------!");
    });
  });

  it("compares bigint values and accepts a custom equality", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold("-a-b-c|", { a: 1n, b: 1n, c: 2n }).pipe(changes())).toBe("-a---c|", {
        a: 1n,
        c: 2n,
      });
      const byParity = changes<number>((x, y) => x % 2 === y % 2);
      expectObservable(cold("-a-b-c|", { a: 1, b: 3, c: 4 }).pipe(byParity)).toBe("-a---c|", {
        a: 1,
        c: 4,
      });
    });
  });

  it("passes errors through and stops on unsubscribe", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold("-1-1-#").pipe(changes())).toBe("-1---#");
      const endless = cold("-1-2-3-4");
      expectObservable(endless.pipe(changes()), "^--!").toBe("-1-");
      expectSubscriptions(endless.subscriptions).toBe("^--!");
    });
  });

  it("compares against the last value emitted, not the last seen, as distinctUntilChanged does", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      // 1 and 2 are "equal" (differ by less than 2), 2 and 3 too, but 1 and 3 are not.
      const close = changes<number>((x, y) => Math.abs(x - y) < 2);
      expectObservable(cold("-a-b-c-d|", { a: 1, b: 2, c: 3, d: 4 }).pipe(close)).toBe(
        "-a---c--|",
        {
          a: 1,
          c: 3,
        },
      );
    });
  });

  it("ends the stream with the error of an equality that throws, and unsubscribes upstream", () => {
    const failure = new Error("cannot compare");
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold("-1-2-3-4");
      const throwing = changes<string>(() => {
        throw failure;
      });
      expectObservable(source.pipe(throwing)).toBe("-1-#", undefined, failure);
      expectSubscriptions(source.subscriptions).toBe("^--!");
    });
  });

  it("stops a synchronous source as soon as downstream has taken enough", () => {
    const { source, produced } = synchronousSource((i) => i >> 1);
    const seen: number[] = [];
    source.pipe(changes(), take(2)).subscribe((v) => seen.push(v));
    expect(seen).toEqual([0, 1]);
    expect(produced).toEqual([0, 1, 2]);
  });
});
