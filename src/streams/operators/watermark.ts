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
      let buffer: T[] = [];
      let timer: Subscription | undefined;
      const flush = () => {
        timer?.unsubscribe();
        timer = undefined;
        const full = buffer;
        buffer = [];
        subscriber.next(full);
      };
      const subscription = source.subscribe({
        next(value) {
          buffer.push(value);
          if (buffer.length >= size) flush();
          else if (buffer.length === 1 && timeout !== undefined) {
            timer = scheduler.schedule(flush, timeout);
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete() {
          if (buffer.length > 0) flush();
          subscriber.complete();
        },
      });
      return () => {
        timer?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
