import { Observable, Subject, of, throwError } from "rxjs";
import { describe, expect, it } from "vitest";
import { toAsyncIterable } from "../../src/streams/to-async-iterable.js";

describe("toAsyncIterable()", () => {
  it("yields every value, queued while the loop body is busy, then ends", async () => {
    const seen: number[] = [];
    for await (const v of toAsyncIterable(of(1, 2, 3))) seen.push(v);
    expect(seen).toEqual([1, 2, 3]);
  });

  it("throws the stream's error from the loop", async () => {
    const run = async () => {
      for await (const _ of toAsyncIterable(throwError(() => new Error("boom")))) {
        // never reached
      }
    };
    await expect(run()).rejects.toThrow("boom");
  });

  it("unsubscribes when the loop is left early", async () => {
    let unsubscribed = false;
    const source = new Observable<number>((s) => {
      s.next(1);
      s.next(2);
      return () => (unsubscribed = true);
    });
    for await (const v of toAsyncIterable(source)) {
      expect(v).toBe(1);
      break;
    }
    expect(unsubscribed).toBe(true);
  });

  it("ends when its AbortSignal aborts", async () => {
    const subject = new Subject<number>();
    const controller = new AbortController();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const v of toAsyncIterable(subject, { signal: controller.signal })) seen.push(v);
    })();
    subject.next(1);
    await Promise.resolve();
    controller.abort();
    await loop;
    expect(seen).toEqual([1]);
    expect(subject.observed).toBe(false);
  });
});
