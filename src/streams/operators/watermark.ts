import {
  Observable,
  asyncScheduler,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
} from "rxjs";
import { RxuioError } from "../../errors.js";

/**
 * Buffers values like an IIO buffer with a watermark: emits the buffer when
 * it holds `size` values, or `timeout` ms after its first value arrived,
 * whichever comes first (so a slow trickle still gets through). On
 * completion a non-empty buffer is flushed; on error it is dropped.
 *
 * ```
 * source:                 -a-b-c-d------e-----|
 * watermark(3, 4):        -----x-----y------z-|    x=[a,b,c] y=[d] (timeout) z=[e] (timeout)
 * source:                 -a-|
 * watermark(3, 4):        ---(x|)                  x=[a] (flushed on complete)
 * ```
 *
 * ```ts
 * samples$.pipe(watermark(64, 50)).subscribe(drawBlock);
 * ```
 *
 * @param size Values per buffer (the watermark).
 * @param timeout Ms after the first buffered value to emit anyway (default: never).
 * @param scheduler For the timeout (virtual time in tests).
 * @return Arrays of 1..size values, in order.
 */
export function watermark<T>(
  size: number,
  timeout?: number,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<T, T[]> {
  if (!Number.isInteger(size) || size < 1) {
    throw new RxuioError("EINVAL", `watermark size ${size} is not a positive integer`, {
      value: size,
      hint: "Pass how many values make a full buffer, e.g. 64",
    });
  }
  if (timeout !== undefined && !(timeout > 0)) {
    throw new RxuioError("EINVAL", `watermark timeout ${timeout} ms is not positive`, {
      value: timeout,
      hint: "Pass milliseconds, or leave it out to wait for a full buffer",
    });
  }
  return (source) =>
    new Observable<T[]>((subscriber) => {
      // Every buffer from one allocation site: V8 learns there that they hold
      // objects, where a second site would hand optimised code arrays of
      // another kind (a deoptimisation at each subscription).
      const empty = (): T[] => [];
      let buffer = empty();
      // One timer at most, left running across buffers filled by size: at a
      // high rate a timer per buffer (a setInterval and a clearInterval each)
      // cost more than the buffering. When it fires it flushes a buffer whose
      // first value is `timeout` old, or waits out the rest for a younger one.
      let timer: Subscription | undefined;
      let firstAt = 0;
      const emit = () => {
        const full = buffer;
        buffer = empty();
        subscriber.next(full);
      };
      const expire = () => {
        timer = undefined;
        if (buffer.length === 0 || timeout === undefined) return;
        const left = firstAt + timeout - scheduler.now();
        if (left > 0) timer = scheduler.schedule(expire, left);
        else emit();
      };
      const subscription = source.subscribe({
        next(value) {
          buffer.push(value);
          if (buffer.length >= size) emit();
          else if (buffer.length === 1 && timeout !== undefined) {
            firstAt = scheduler.now();
            timer ??= scheduler.schedule(expire, timeout);
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete() {
          if (buffer.length > 0) emit();
          subscriber.complete();
        },
      });
      return () => {
        timer?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
