import type { SchedulerAction, SchedulerLike, Subscription } from "rxjs";
import type { TestScheduler } from "rxjs/testing";
import { describe, expect, it } from "vitest";
import { watermark } from "../../../src/streams/operators/watermark.js";
import { testScheduler } from "../sim-fixtures.js";

/** A test scheduler that counts the timers watermark() arms. */
class CountingScheduler implements SchedulerLike {
  timers = 0;
  constructor(private readonly inner: TestScheduler) {}
  now(): number {
    return this.inner.now();
  }
  schedule<T>(
    work: (this: SchedulerAction<T>, state?: T) => void,
    delay?: number,
    state?: T,
  ): Subscription {
    this.timers++;
    return this.inner.schedule(work, delay, state);
  }
}

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

  it("times out each buffer from its own first value, with one timer across buffers filled by size", () => {
    const counting = () => {
      const ts = testScheduler();
      return { ts, scheduler: new CountingScheduler(ts) };
    };
    const first = counting();
    first.ts.run(({ cold, expectObservable }) => {
      // [a, b] fills at 2 while a's timer (due at 5) runs on; c arrives at 4,
      // so the timer, firing at 5, waits out c's remaining 3.
      expectObservable(cold("-ab-c------|").pipe(watermark(2, 4, first.scheduler))).toBe(
        "--x-----y--|",
        { x: ["a", "b"], y: ["c"] },
      );
    });
    expect(first.scheduler.timers).toBe(2);
    const second = counting();
    second.ts.run(({ cold, expectObservable }) => {
      expectObservable(cold("-abcdefghij|").pipe(watermark(2, 100, second.scheduler))).toBe(
        "--x-y-z-v-w|",
        { x: ["a", "b"], y: ["c", "d"], z: ["e", "f"], v: ["g", "h"], w: ["i", "j"] },
      );
    });
    expect(second.scheduler.timers).toBe(1);
  });
});
